namespace Mallard.Contract;

/// <summary>One change a shard's tables go through to reach a newer definition.</summary>
public enum EvolutionStepKind
{
    /// <summary>Add a nullable column; existing rows read null.</summary>
    AddColumn,
    /// <summary>Widen a column's type without loss (int32 to int64 or float64, decimal precision up).</summary>
    WidenType,
    /// <summary>Make a required column nullable.</summary>
    DropNotNull,
    /// <summary>Rename a column (migration).</summary>
    RenameColumn,
    /// <summary>Drop a column (migration).</summary>
    DropColumn,
    /// <summary>Cast a column to another type, refusing if any row does not convert exactly (migration).</summary>
    CastType,
    /// <summary>A change to metadata only (for example the time column); nothing in the shard changes.</summary>
    Metadata,
    /// <summary>A change no step can carry out.</summary>
    Refused,
}

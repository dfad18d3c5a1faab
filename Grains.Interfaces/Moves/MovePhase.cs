namespace Mallard.Moves;

/// <summary>Where a move is.</summary>
public enum MovePhase
{
    /// <summary>Planned, not started.</summary>
    Planned,

    /// <summary>The target copies the source's pinned image in checksummed chunks.</summary>
    Copying,

    /// <summary>The target replays what the source committed since the image, in rounds.</summary>
    CatchingUp,

    /// <summary>The source stopped accepting; the target takes the remainder, verifies and switches.</summary>
    Switching,

    /// <summary>The target owns the partition.</summary>
    Completed,

    /// <summary>The move stopped; the partition stays on its source.</summary>
    Failed,
}

namespace Mallard.Contract;

/// <summary>The breaking changes a contract can carry out with an explicit migration.</summary>
public enum MigrationKind
{
    /// <summary>Rename a column, keeping its values.</summary>
    RenameColumn,
    /// <summary>Drop a column and its values (needs <c>acknowledge_data_loss: true</c>).</summary>
    DropColumn,
    /// <summary>Change a column's type by an explicit cast, checked on every row before it commits.</summary>
    ChangeType,
}

namespace Mallard.Contract;

/// <summary>One declared migration from <c>schema.yaml</c>'s <c>migrations</c> list.</summary>
/// <param name="Version">The contract version that introduces the change.</param>
/// <param name="Dataset">The dataset it changes.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Column">The column it acts on (for a rename, the old name).</param>
/// <param name="NewName">For a rename, the new name.</param>
/// <param name="NewType">For a type change, the new type.</param>
/// <param name="Line">Line of the entry in the contract file.</param>
public sealed record MigrationDefinition(int Version, string Dataset, MigrationKind Kind, string Column, string? NewName, ColumnType? NewType, long Line)
{
    /// <summary>A one-line description, e.g. <c>rename column page to path (v3)</c>.</summary>
    public string Describe() => Kind switch
    {
        MigrationKind.RenameColumn => $"rename column {Column} to {NewName} (migration v{Version})",
        MigrationKind.DropColumn => $"drop column {Column}, acknowledging data loss (migration v{Version})",
        MigrationKind.ChangeType => $"change column {Column} to {NewType} by cast (migration v{Version})",
        _ => Kind.ToString(),
    };
}

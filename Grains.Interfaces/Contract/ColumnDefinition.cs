namespace Mallard.Contract;

/// <summary>One typed column of a dataset, in contract order.</summary>
/// <param name="Name">Identifier, <c>[a-z][a-z0-9_]*</c>.</param>
/// <param name="Type">The column's type.</param>
/// <param name="Nullable">Whether records may omit the column or send <c>null</c>.</param>
/// <param name="Ordinal">Zero-based position in the dataset's column list.</param>
/// <param name="Description">Free text from the contract, if any.</param>
public sealed record ColumnDefinition(string Name, ColumnType Type, bool Nullable, int Ordinal, string? Description = null);

namespace Mallard.Api.Views;

/// <summary>A contract column as the API describes it.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The contract type: string, bool, int32, int64, float64, decimal(P,S), timestamp, date or uuid.</param>
/// <param name="Nullable">Whether the column accepts null.</param>
/// <param name="Description">The contract's description, if any.</param>
public sealed record ColumnView(string Name, string Type, bool Nullable, string? Description);

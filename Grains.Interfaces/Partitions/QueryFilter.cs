namespace Mallard.Partitions;

/// <summary>One filter condition; all conditions of a query must hold.</summary>
/// <param name="Column">A dataset column.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Values">The operand(s), typed as the column: one value, a list for <see cref="FilterOperator.In"/>, none for null tests.</param>
[GenerateSerializer, Immutable, Alias("mallard.QueryFilter")]
public sealed record QueryFilter(
    [property: Id(0)] string Column,
    [property: Id(1)] FilterOperator Operator,
    [property: Id(2)] ColumnVector? Values);

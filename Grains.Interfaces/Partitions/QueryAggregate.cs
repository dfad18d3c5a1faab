namespace Mallard.Partitions;

/// <summary>One aggregate of a query.</summary>
/// <param name="Function">The function.</param>
/// <param name="Column">The column it reads; null for <c>count</c> of rows.</param>
/// <param name="Alias">Output name.</param>
[GenerateSerializer, Immutable, Alias("mallard.QueryAggregate")]
public sealed record QueryAggregate(
    [property: Id(0)] AggregateFunction Function,
    [property: Id(1)] string? Column,
    [property: Id(2)] string Alias);

namespace Mallard.Partitions;

/// <summary>One sort key; nulls always sort last.</summary>
/// <param name="Column">An output column (raw queries: a dataset column).</param>
/// <param name="Descending">Sort from largest to smallest.</param>
[GenerateSerializer, Immutable, Alias("mallard.QueryOrder")]
public sealed record QueryOrder(
    [property: Id(0)] string Column,
    [property: Id(1)] bool Descending);

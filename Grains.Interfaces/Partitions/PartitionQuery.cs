namespace Mallard.Partitions;

/// <summary>
/// A query validated against the contract, sent to each partition. When <see cref="Aggregates"/> or
/// <see cref="GroupBy"/> is non-empty it is an aggregate query and each partition returns partial
/// aggregates for every group (see <see cref="PartialResult"/>); otherwise it returns raw rows of
/// <see cref="Select"/>, sorted by <see cref="OrderBy"/> and cut at <see cref="Limit"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("mallard.PartitionQuery")]
public sealed record PartitionQuery(
    [property: Id(0)] string Dataset,
    [property: Id(1)] QueryFilter[] Filters,
    [property: Id(2)] string[] Select,
    [property: Id(3)] string[] GroupBy,
    [property: Id(4)] QueryAggregate[] Aggregates,
    [property: Id(5)] QueryOrder[] OrderBy,
    [property: Id(6)] int Limit,
    [property: Id(7)] ContractStamp Contract)
{
    /// <summary>Whether this query aggregates rather than returning raw rows.</summary>
    public bool IsAggregate => GroupBy.Length > 0 || Aggregates.Length > 0;
}

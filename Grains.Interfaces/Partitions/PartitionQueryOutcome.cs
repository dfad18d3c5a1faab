namespace Mallard.Partitions;

/// <summary>One partition's own outcome in <see cref="IPartitionRelayGrain.QueryManyWithinAsync"/>: its partial result, or why it failed.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Result">Its answer, when it answered.</param>
/// <param name="Failure">Its refusal or the failure of the call to it, otherwise.</param>
[GenerateSerializer, Immutable, Alias("mallard.PartitionQueryOutcome")]
public sealed record PartitionQueryOutcome(
    [property: Id(0)] int Partition,
    [property: Id(1)] PartialResult? Result,
    [property: Id(2)] Exception? Failure);

namespace Mallard.Moves;

/// <summary>One planned move of a partition's shard from one ordinal to another.</summary>
[GenerateSerializer, Immutable, Alias("mallard.PartitionMove")]
public sealed record PartitionMove(
    [property: Id(0)] Guid MoveId,
    [property: Id(1)] string Dataset,
    [property: Id(2)] int Partition,
    [property: Id(3)] int Source,
    [property: Id(4)] int Target);

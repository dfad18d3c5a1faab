namespace Mallard.Grains.Ownership;

/// <summary>Places a partition grain on the silo whose ordinal owns the partition's shard.</summary>
[GenerateSerializer, Immutable, Alias("mallard.ShardOwnerPlacement")]
public sealed class ShardOwnerPlacement : PlacementStrategy
{
}

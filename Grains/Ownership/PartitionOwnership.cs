namespace Mallard.Grains.Ownership;

/// <summary>A partition's owner ordinal and fencing epoch as stored.</summary>
public sealed record PartitionOwnership(int Owner, long Epoch);

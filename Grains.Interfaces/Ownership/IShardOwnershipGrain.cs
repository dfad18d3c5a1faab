namespace Mallard.Ownership;

/// <summary>
/// The cluster's ownership map: which silo ordinal holds each partition's shard. One instance
/// (key <see cref="MapKey"/>), persisted through grain storage, so every silo and every restart
/// sees the same assignment. A dataset is assigned the first time anyone asks for it, spread
/// evenly over the active, undrained ordinals; afterwards only a move (rebalance, drain) changes it.
/// </summary>
public interface IShardOwnershipGrain : IGrainWithStringKey
{
    /// <summary>The key of the one map grain (non-numeric: ADO.NET storage parses digit-only keys).</summary>
    const string MapKey = "shard-ownership";

    /// <summary>The owners of <paramref name="dataset"/>'s partitions, assigning them on first use.</summary>
    /// <param name="dataset">The dataset name.</param>
    /// <param name="partitions">How many partitions the dataset has under the caller's contract.</param>
    Task<DatasetOwnership> GetDatasetAsync(string dataset, int partitions);

    /// <summary>The whole map as stored.</summary>
    Task<OwnershipMap> GetMapAsync();
}

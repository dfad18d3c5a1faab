using Mallard.Ownership;
using Mallard.Partitions;

namespace Mallard.Grains.Ownership;

/// <summary>
/// Looks up a partition's owner, fresh from the ownership store each time: it is asked only when
/// a partition is placed or activated, and a move changes the answer, so nothing is cached.
/// A partition not assigned yet is assigned through the one ownership grain.
/// </summary>
public sealed class PartitionOwners(IOwnershipStore store, IGrainFactory grains)
{
    /// <summary>The owner and fencing epoch of <paramref name="dataset"/>/<paramref name="partition"/>.</summary>
    /// <exception cref="PartitionException"><c>partition_unavailable</c> when the store cannot be read.</exception>
    public async Task<PartitionOwnership> OwnerOfAsync(string dataset, int partition, int partitions)
    {
        try
        {
            if (await store.ReadAsync(dataset, partition) is { } owner)
            {
                return owner;
            }

            await grains.GetGrain<IShardOwnershipGrain>(IShardOwnershipGrain.MapKey).GetDatasetAsync(dataset, partitions);
            return await store.ReadAsync(dataset, partition)
                ?? throw new PartitionException(ErrorCodes.PartitionUnavailable, $"partition {dataset}/{partition} has no owner after assignment");
        }
        catch (Exception e) when (e is not PartitionException)
        {
            // A driver's exception may not cross the wire; the refusal does, and says why.
            throw new PartitionException(ErrorCodes.PartitionUnavailable, $"the ownership map of '{dataset}' cannot be read: {e.GetBaseException().Message}");
        }
    }
}

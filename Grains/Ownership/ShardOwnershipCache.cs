using System.Collections.Concurrent;
using Mallard.Partitions;
using Mallard.Ownership;

namespace Mallard.Grains.Ownership;

/// <summary>
/// A silo's copy of the ownership map, one dataset at a time. Assignments never change by
/// themselves, so an entry is kept once read; a failed read is not cached.
/// </summary>
public sealed class ShardOwnershipCache(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, Task<DatasetOwnership>> _datasets = new(StringComparer.Ordinal);

    /// <summary>The ordinal of the silo that holds the shard of <paramref name="dataset"/>/<paramref name="partition"/>.</summary>
    public async Task<int> OwnerOfAsync(string dataset, int partition, int partitions)
    {
        var lookup = _datasets.GetOrAdd(dataset, name => grains.GetGrain<IShardOwnershipGrain>(IShardOwnershipGrain.MapKey).GetDatasetAsync(name, partitions));
        try
        {
            var ownership = await lookup;
            if (partition < ownership.Owners.Length)
            {
                return ownership.OwnerOf(partition);
            }
        }
        catch (Exception e)
        {
            _datasets.TryRemove(new KeyValuePair<string, Task<DatasetOwnership>>(dataset, lookup));
            if (e is Mallard.Partitions.PartitionException)
            {
                throw;
            }

            // A driver's exception may not cross the wire; the refusal does, and says why.
            throw new Mallard.Partitions.PartitionException(
                ErrorCodes.PartitionUnavailable,
                $"the ownership map of '{dataset}' cannot be read: {e.GetBaseException().Message}");
        }

        // The contract grew the dataset since this silo read it: read it again.
        _datasets.TryRemove(new KeyValuePair<string, Task<DatasetOwnership>>(dataset, lookup));
        var fresh = await grains.GetGrain<IShardOwnershipGrain>(IShardOwnershipGrain.MapKey).GetDatasetAsync(dataset, partitions);
        _datasets[dataset] = Task.FromResult(fresh);
        return fresh.OwnerOf(partition);
    }
}

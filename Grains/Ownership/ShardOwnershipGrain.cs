using Mallard.Ownership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Ownership;

/// <summary>
/// Keeps the ownership map in grain storage (PostgreSQL in cluster mode). The first silo count
/// written wins: a silo configured with another count later does not move shards, it only logs,
/// because moving a partition means moving its DuckDB file.
/// </summary>
public sealed partial class ShardOwnershipGrain(
    [PersistentState("shard-ownership", ShardOwnershipGrain.StorageName)] IPersistentState<OwnershipState> map,
    IOptions<ClusterTopologyOptions> topology,
    ILogger<ShardOwnershipGrain> logger)
    : Grain, IShardOwnershipGrain
{
    /// <summary>The grain storage provider Mallard's own state lives in.</summary>
    public const string StorageName = "mallard";

    public async Task<DatasetOwnership> GetDatasetAsync(string dataset, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var state = map.State;
        if (state.Silos == 0)
        {
            state.Silos = Math.Max(1, topology.Value.Silos);
        }
        else if (state.Silos != topology.Value.Silos)
        {
            LogSiloCountDiffers(state.Silos, topology.Value.Silos);
        }

        if (!state.Datasets.TryGetValue(dataset, out var owners) || owners.Length < partitions)
        {
            // Even spread: partition p goes to ordinal p mod silos. A dataset that gained
            // partitions keeps the owners it had and spreads only the new ones.
            var assigned = new int[partitions];
            for (var p = 0; p < partitions; p++)
            {
                assigned[p] = owners is not null && p < owners.Length ? owners[p] : p % state.Silos;
            }

            state.Datasets[dataset] = assigned;
            state.Version++;
            await map.WriteStateAsync();
            LogAssigned(dataset, partitions, state.Silos, state.Version);
            owners = assigned;
        }

        return new DatasetOwnership(dataset, state.Version, owners);
    }

    public Task<OwnershipMap> GetMapAsync() =>
        Task.FromResult(new OwnershipMap(map.State.Version, map.State.Silos, map.State.Datasets.ToDictionary(d => d.Key, d => d.Value.ToArray(), StringComparer.Ordinal)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Ownership map v{Version}: dataset {Dataset} ({Partitions} partitions) spread over {Silos} silos")]
    private partial void LogAssigned(string dataset, int partitions, int silos, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ownership map spreads partitions over {StoredSilos} silos but this silo is configured for {ConfiguredSilos}; the stored map wins (moving a shard is a manual operation)")]
    private partial void LogSiloCountDiffers(int storedSilos, int configuredSilos);
}

using Mallard.Ownership;
using Microsoft.Extensions.Logging;

namespace Mallard.Grains.Ownership;

/// <summary>
/// Assigns each dataset's partitions the first time anyone asks, spread evenly over the ordinals
/// that are active and not drained, and keeps the assignment in the ownership store (PostgreSQL in
/// cluster mode). After that only a move changes an owner. A map written by an older Mallard in
/// grain storage (spread over <c>Mallard:Cluster:Silos</c>) is imported as it was.
/// </summary>
public sealed partial class ShardOwnershipGrain(
    [PersistentState("shard-ownership", ShardOwnershipGrain.StorageName)] IPersistentState<OwnershipState> legacy,
    IOwnershipStore store,
    ActiveOrdinals active,
    Mallard.Contract.ContractDefinition contract,
    ILogger<ShardOwnershipGrain> logger)
    : Grain, IShardOwnershipGrain
{
    /// <summary>The grain storage provider Mallard's own state lives in.</summary>
    public const string StorageName = "mallard";

    // An older Mallard's map is imported whole on activation, before any caller reads the store,
    // so the cluster status and the rebalancer see every dataset from the first start on.
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var (dataset, owners) in legacy.State.Datasets)
        {
            if ((await store.ReadDatasetAsync(dataset, cancellationToken)).Length == 0)
            {
                await store.AssignAsync(dataset, owners, cancellationToken);
                LogImported(dataset, owners.Length);
            }
        }
    }

    public async Task<DatasetOwnership> GetDatasetAsync(string dataset, int partitions)
    {
        // A raw Orleans client can call this: the dataset and its partition count come from the
        // contract, never from the caller's say-so.
        if (!contract.TryGetDataset(dataset, out var definition))
        {
            throw new Mallard.Partitions.PartitionException(Mallard.Partitions.ErrorCodes.UnknownDataset, $"dataset '{Mallard.Contract.DisplayText.Shorten(dataset)}' is not in contract v{contract.Version}");
        }

        if (partitions != definition.Partitions)
        {
            throw new Mallard.Partitions.PartitionException(Mallard.Partitions.ErrorCodes.UnknownPartition, $"dataset '{dataset}' has {definition.Partitions} partitions in contract v{contract.Version}, not {partitions}");
        }

        var owners = await store.ReadDatasetAsync(dataset);
        if (owners.Length >= partitions)
        {
            return new DatasetOwnership(dataset, 0, owners);
        }

        // A dataset that gained partitions keeps the owners it had and spreads only the new ones.
        var assigned = new int[partitions];
        var targets = await SpreadTargetsAsync();
        for (var p = 0; p < partitions; p++)
        {
            assigned[p] = p < owners.Length ? owners[p] : targets[p % targets.Count];
        }

        var stored = await store.AssignAsync(dataset, assigned);
        LogAssigned(dataset, partitions, string.Join(",", targets));
        return new DatasetOwnership(dataset, 0, stored);
    }

    public async Task<OwnershipMap> GetMapAsync()
    {
        var map = await store.ReadMapAsync();
        return new OwnershipMap(0, active.Now().Count, map);
    }

    // The active, undrained ordinals; a member whose ordinal is still unknown here is waited for
    // briefly, so a dataset first used right after the cluster formed is spread over all of it.
    private async Task<IReadOnlyList<int>> SpreadTargetsAsync()
    {
        for (var attempt = 0; attempt < 20 && active.Unresolved() > 0; attempt++)
        {
            await Task.Delay(100);
        }

        var drained = await store.ReadDrainedAsync();
        var targets = active.Now().Keys.Where(o => !drained.Contains(o)).ToList();
        return targets.Count > 0 ? targets : active.Now().Keys.ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ownership: dataset {Dataset} ({Partitions} partitions) spread over ordinals {Ordinals}")]
    private partial void LogAssigned(string dataset, int partitions, string ordinals);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ownership: dataset {Dataset} imported from the grain-storage map of an earlier Mallard ({Partitions} partitions)")]
    private partial void LogImported(string dataset, int partitions);
}

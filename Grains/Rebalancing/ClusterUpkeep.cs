using Mallard.Grains.Moves;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Mallard.Moves;
using Mallard.Ownership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Rebalancing;

/// <summary>
/// Per silo, in the background: keeps the one rebalancer active (so automatic rebalancing
/// survives the loss of its silo) and deletes retired shard files past their retention.
/// </summary>
public sealed partial class ClusterUpkeep(
    IGrainFactory grains,
    ShardCatalog catalog,
    IOwnershipStore store,
    IncomingShards incoming,
    IOptions<ClusterTopologyOptions> topology,
    IOptions<RebalanceOptions> options,
    ILogger<ClusterUpkeep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        var sweptAt = DateTime.MinValue;
        var leftoversChecked = false;
        var mapRead = false;
        do
        {
            // The first read activates the ownership map, which imports an older Mallard's map.
            if (!mapRead)
            {
                try
                {
                    await grains.GetGrain<IShardOwnershipGrain>(IShardOwnershipGrain.MapKey).GetMapAsync();
                    mapRead = true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPingFailed(e.GetBaseException().Message);
                }
            }

            if (!leftoversChecked)
            {
                leftoversChecked = await RetireLeftoversAsync(stoppingToken);
            }

            try
            {
                await grains.GetGrain<IRebalanceGrain>(IRebalanceGrain.Key).PingAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPingFailed(e.GetBaseException().Message);
            }

            if (DateTime.UtcNow - sweptAt > TimeSpan.FromMinutes(10))
            {
                sweptAt = DateTime.UtcNow;
                var deleted = catalog.DeleteRetired(options.Value.RetiredShardRetention);
                if (deleted > 0)
                {
                    LogSwept(deleted);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    // A shard file for a partition another ordinal owns (a move switched while this silo was down,
    // or a copy made live just before a switch that failed) is never served: it is retired at start.
    private async Task<bool> RetireLeftoversAsync(CancellationToken cancellationToken)
    {
        var shards = Path.Combine(Path.GetDirectoryName(catalog.RetiredDirectory)!, "shards");
        if (!Directory.Exists(shards))
        {
            return true;
        }

        try
        {
            foreach (var file in Directory.EnumerateFiles(shards, "*.duckdb", SearchOption.AllDirectories))
            {
                var dataset = Path.GetFileName(Path.GetDirectoryName(file)!);
                if (!int.TryParse(Path.GetFileNameWithoutExtension(file), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partition)
                    || incoming.Contains(dataset, partition))
                {
                    continue;
                }

                var owner = await store.ReadAsync(dataset, partition, cancellationToken);
                if (owner is not null && owner.Owner != topology.Value.Ordinal && catalog.Retire(dataset, partition) is { } retired)
                {
                    LogLeftoverRetired(dataset, partition, owner.Owner, retired);
                }
            }

            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store may not be reachable yet (or the shard is open); try again on the next tick.
            LogPingFailed(e.GetBaseException().Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Dataset}/{Partition} is owned by ordinal {Owner}, not this silo; its file was retired to {RetiredPath}")]
    private partial void LogLeftoverRetired(string dataset, int partition, int owner, string retiredPath);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The rebalancer did not answer: {Reason}")]
    private partial void LogPingFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Files} retired shard files past their retention")]
    private partial void LogSwept(int files);
}

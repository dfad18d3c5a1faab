using Mallard.Grains.Shards;
using Mallard.Moves;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Rebalancing;

/// <summary>
/// Per silo, in the background: keeps the one rebalancer active (so automatic rebalancing
/// survives the loss of its silo) and deletes retired shard files past their retention.
/// </summary>
public sealed partial class ClusterUpkeep(IGrainFactory grains, ShardCatalog catalog, IOptions<RebalanceOptions> options, ILogger<ClusterUpkeep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        var sweptAt = DateTime.MinValue;
        do
        {
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "The rebalancer did not answer: {Reason}")]
    private partial void LogPingFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Files} retired shard files past their retention")]
    private partial void LogSwept(int files);
}

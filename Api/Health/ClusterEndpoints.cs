using Mallard.Contract;
using Mallard.Partitions;
using Mallard.Hosting;
using Mallard.Moves;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mallard.Api.Health;

/// <summary><c>GET /v1/cluster</c>: the silos, in cluster mode the ordinals (active, drained, partitions owned) and the moves planned, in progress, completed and failed, and per partition where it lives (silo, owner ordinal, fencing epoch) and its rows, bytes, queue depth and watermark.</summary>
public static class ClusterEndpoints
{
    /// <summary>Maps the cluster route.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/cluster", async (IClusterClient client, ContractDefinition contract, IOptions<MallardClusterOptions> cluster) =>
        {
            var status = await RebalancerStatusAsync(client, cluster.Value);
            var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
            var relay = client.Relay();
            var partitions = contract.Datasets.Values.SelectMany(d => Enumerable.Range(0, d.Partitions).Select(p => (Dataset: d.Name, Partition: p))).ToList();
            // Partitions that did not answer are listed as unavailable.
            var result = await Fanout.CallAsync(partitions, p => relay.GetStatsAsync(p.Dataset, p.Partition));

            var moves = status?.Current?.Moves ?? [];
            return TypedResults.Ok(new
            {
                contractVersion = contract.Version,
                ordinals = status?.Ordinals.Select(o => new { ordinal = o.Ordinal, active = o.Active, drained = o.Drained, partitions = o.Partitions }).ToArray(),
                moves = status is null ? null : new
                {
                    plan = status.Current is { } plan ? new { planId = plan.PlanId, kind = plan.Kind, running = plan.Running, drainedOrdinal = plan.DrainedOrdinal } : null,
                    planned = moves.Where(m => m.Phase == MovePhase.Planned).Select(ClusterJson.Move).ToArray(),
                    inProgress = moves.Where(m => !m.Done && m.Phase != MovePhase.Planned).Select(ClusterJson.Move).ToArray(),
                    completed = moves.Where(m => m.Phase == MovePhase.Completed).Select(ClusterJson.Move).ToArray(),
                    failed = status.FailedMoves.Select(ClusterJson.Move).ToArray(),
                },
                silos = hosts.Select(h => new { address = h.SiloAddress.ToString(), name = h.SiloName, status = h.Status.ToString() }).ToArray(),
                partitions = partitions.Select(p => result.Succeeded.TryGetValue(p, out var stats)
                    ? (object)new
                    {
                        dataset = p.Dataset,
                        partition = p.Partition,
                        silo = stats.Silo,
                        rows = ValueText.FormatInt64(stats.Rows),
                        shardBytes = ValueText.FormatInt64(stats.ShardBytes),
                        queuedRows = ValueText.FormatInt64(stats.QueuedRows),
                        watermark = stats.WatermarkMicros is { } w ? ValueText.FormatTimestamp(w) : null,
                        owner = stats.Owner,
                        epoch = stats.Epoch,
                    }
                    : new
                    {
                        dataset = p.Dataset,
                        partition = p.Partition,
                        unavailable = PartitionFailures.Normalize(result.Failed[p])?.Message ?? "did not answer",
                    }).ToArray(),
            });
        });
        return routes;
    }

    // Ownership per ordinal and the moves, from the rebalancer (cluster mode only); null when it does not answer.
    private static async Task<ClusterStatus?> RebalancerStatusAsync(IClusterClient client, MallardClusterOptions cluster)
    {
        if (!cluster.IsPostgreSql)
        {
            return null;
        }

        try
        {
            return await client.GetGrain<IRebalanceGrain>(IRebalanceGrain.Key).GetStatusAsync();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or PartitionException)
        {
            return null;
        }
    }
}

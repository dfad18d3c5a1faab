using Mallard.Api.Views;
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
            return TypedResults.Ok(new ClusterView(
                contract.Version,
                status?.Ordinals.Select(o => new OrdinalView(o.Ordinal, o.Active, o.Drained, o.Partitions)).ToArray(),
                status is null ? null : new MovesView(
                    status.Current is { } plan ? new PlanSummaryView(plan.PlanId, plan.Kind, plan.Running, plan.DrainedOrdinal) : null,
                    [.. moves.Where(m => m.Phase == MovePhase.Planned).Select(MoveView.Of)],
                    [.. moves.Where(m => !m.Done && m.Phase != MovePhase.Planned).Select(MoveView.Of)],
                    [.. moves.Where(m => m.Phase == MovePhase.Completed).Select(MoveView.Of)],
                    [.. status.FailedMoves.Select(MoveView.Of)]),
                [.. hosts.Select(h => new SiloView(h.SiloAddress.ToString(), h.SiloName, h.Status.ToString()))],
                [.. partitions.Select(p => result.Succeeded.TryGetValue(p, out var stats)
                    ? new PartitionPlacementView(
                        p.Dataset,
                        p.Partition,
                        stats.Silo,
                        ValueText.FormatInt64(stats.Rows),
                        ValueText.FormatInt64(stats.ShardBytes),
                        ValueText.FormatInt64(stats.QueuedRows),
                        stats.WatermarkMicros is { } w ? ValueText.FormatTimestamp(w) : null,
                        stats.Owner,
                        stats.Epoch)
                    : new PartitionPlacementView(p.Dataset, p.Partition, Unavailable: PartitionFailures.Normalize(result.Failed[p])?.Message ?? "did not answer"))]));
        }).Produces<ClusterView>().WithName("getCluster").WithTags("cluster").WithSummary("Silos, ordinals, moves, and where every partition lives with its rows, bytes, queue and watermark");
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

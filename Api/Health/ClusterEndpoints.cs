using Mallard.Contract;
using Mallard.Partitions;
using Orleans.Runtime;

namespace Mallard.Api.Health;

/// <summary><c>GET /v1/cluster</c>: the silos, and per partition where it lives (silo, owner ordinal, fencing epoch) and its rows, bytes, queue depth and watermark.</summary>
public static class ClusterEndpoints
{
    /// <summary>Maps the cluster route.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/cluster", async (IClusterClient client, ContractDefinition contract) =>
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
            var relay = client.Relay();
            var partitions = contract.Datasets.Values.SelectMany(d => Enumerable.Range(0, d.Partitions).Select(p => (Dataset: d.Name, Partition: p))).ToList();
            // Partitions that did not answer are listed as unavailable.
            var result = await Fanout.CallAsync(partitions, p => relay.GetStatsAsync(p.Dataset, p.Partition));

            return TypedResults.Ok(new
            {
                contractVersion = contract.Version,
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
}

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
        routes.MapGet("/v1/cluster", async (IClusterClient client, ContractDefinition contract, HttpContext http) =>
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
            var calls = contract.Datasets.Values
                .SelectMany(d => Enumerable.Range(0, d.Partitions).Select(p => (Dataset: d.Name, Partition: p, Call: client.Relay().GetStatsAsync(d.Name, p))))
                .ToList();
            try
            {
                await Task.WhenAll(calls.Select(c => c.Call));
            }
            catch
            {
                // Partitions that did not answer are listed as unavailable.
            }

            return TypedResults.Ok(new
            {
                contractVersion = contract.Version,
                silos = hosts.Select(h => new { address = h.SiloAddress.ToString(), name = h.SiloName, status = h.Status.ToString() }).ToArray(),
                partitions = calls.Select(c => c.Call.IsCompletedSuccessfully
                    ? (object)new
                    {
                        dataset = c.Dataset,
                        partition = c.Partition,
                        silo = c.Call.Result.Silo,
                        rows = ValueText.FormatInt64(c.Call.Result.Rows),
                        shardBytes = ValueText.FormatInt64(c.Call.Result.ShardBytes),
                        queuedRows = ValueText.FormatInt64(c.Call.Result.QueuedRows),
                        watermark = c.Call.Result.WatermarkMicros is { } w ? ValueText.FormatTimestamp(w) : null,
                        owner = c.Call.Result.Owner,
                        epoch = c.Call.Result.Epoch,
                    }
                    : new
                    {
                        dataset = c.Dataset,
                        partition = c.Partition,
                        unavailable = PartitionFailures.Normalize(c.Call.Exception)?.Message ?? "did not answer",
                    }).ToArray(),
            });
        });
        return routes;
    }
}

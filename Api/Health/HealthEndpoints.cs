using Mallard.Partitions;
using Orleans.Runtime;

namespace Mallard.Api.Health;

/// <summary><c>/healthz</c> (the process is up) and <c>/readyz</c> (it can reach a silo of the cluster and is not stopping).</summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Maps the health routes.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Text("ok"))
            .Produces<string>(contentType: "text/plain").WithName("getLiveness").WithTags("health").WithSummary("Liveness: the process answers");
        routes.MapGet("/readyz", async (IClusterClient client, GatewayDrain drain, CancellationToken cancellationToken) =>
        {
            // Unready as soon as SIGTERM arrives, so a load balancer stops sending before Kestrel stops.
            if (drain.IsStopping)
            {
                return Problems.Create(ErrorCodes.GatewayStopping, "the gateway is shutting down");
            }

            try
            {
                var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ProbeTimeout, cancellationToken);
                return hosts.Count > 0
                    ? Results.Text($"ready: {hosts.Count} silo(s) active")
                    : Problems.Create(ErrorCodes.NoSilos, "no active silo in the cluster");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Problems.Create(ErrorCodes.ClusterUnreachable, $"cannot reach the cluster: {e.GetType().Name}");
            }
        }).Produces<string>(contentType: "text/plain").WithName("getReadiness").WithTags("health").WithSummary("Readiness: a silo of the cluster answers and the gateway is not stopping");
        return routes;
    }
}

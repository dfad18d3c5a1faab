using Mallard.Api.Views;
using Mallard.Hosting;
using Mallard.Moves;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Health;

/// <summary>
/// The operator's scale-out and scale-in routes: <c>POST /v1/cluster/rebalance</c> (<c>?dryRun=true</c>
/// only plans), <c>/drain</c> and <c>/undrain</c> with <c>{"ordinal": N}</c>. Each answers 202 with
/// the plan; a second call while a plan runs returns the running plan. An embedded Mallard answers
/// 409 <c>not_clustered</c>.
/// </summary>
public static class ClusterOperationEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapClusterOperationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/cluster/rebalance", (bool? dryRun, IClusterClient client, IOptions<MallardClusterOptions> cluster) =>
            RunAsync(cluster, async () => Plan(await Rebalancer(client).RebalanceAsync(dryRun ?? false))))
            .Produces<PlanView>(StatusCodes.Status202Accepted).WithName("rebalanceCluster").WithTags("cluster").WithSummary("Plan and start moves that even out partitions over the active ordinals (dryRun=true only plans)");
        routes.MapPost("/v1/cluster/drain", (OrdinalRequest? body, IClusterClient client, IOptions<MallardClusterOptions> cluster) =>
            RunAsync(cluster, async () => body?.Ordinal is { } ordinal
                ? Plan(await Rebalancer(client).DrainAsync(ordinal))
                : Problems.Create(ErrorCodes.BadQuery, "the body must be {\"ordinal\": N}")))
            .Produces<PlanView>(StatusCodes.Status202Accepted).WithName("drainOrdinal").WithTags("cluster").WithSummary("Move every partition off an ordinal before it is removed");
        routes.MapPost("/v1/cluster/undrain", (OrdinalRequest? body, IClusterClient client, IOptions<MallardClusterOptions> cluster) =>
            RunAsync(cluster, async () =>
            {
                if (body?.Ordinal is not { } ordinal)
                {
                    return Problems.Create(ErrorCodes.BadQuery, "the body must be {\"ordinal\": N}");
                }

                await Rebalancer(client).UndrainAsync(ordinal);
                return TypedResults.Ok(new UndrainView(ordinal, Drained: false));
            }))
            .Produces<UndrainView>().WithName("undrainOrdinal").WithTags("cluster").WithSummary("Let a drained ordinal take partitions again");
        return routes;
    }

    /// <summary>The body of drain and undrain.</summary>
    public sealed record OrdinalRequest(int? Ordinal);

    private static IRebalanceGrain Rebalancer(IClusterClient client) => client.GetGrain<IRebalanceGrain>(IRebalanceGrain.Key);

    private static async Task<IResult> RunAsync(IOptions<MallardClusterOptions> cluster, Func<Task<IResult>> operation)
    {
        if (!cluster.Value.IsPostgreSql)
        {
            return Problems.Create(ErrorCodes.NotClustered, "this Mallard runs embedded (one silo); rebalance and drain need Mallard:Cluster:Mode=PostgreSql");
        }

        try
        {
            return await operation();
        }
        catch (PartitionException refusal)
        {
            return Problems.From(refusal);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return Problems.Create(ErrorCodes.ClusterUnavailable, $"the rebalancer did not answer: {e.GetBaseException().Message}");
        }
    }

    private static IResult Plan(ClusterPlan plan) => TypedResults.Json(PlanView.Of(plan), statusCode: StatusCodes.Status202Accepted);
}

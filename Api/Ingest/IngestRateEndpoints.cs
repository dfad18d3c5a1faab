using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// <c>GET /v1/datasets/{dataset}/ingest-rate?minutes=5&amp;stepSeconds=5</c>: this gateway's
/// committed and refused batches of one dataset over the last minutes, for charts.
/// </summary>
public static class IngestRateEndpoints
{
    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapIngestRateEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/datasets/{dataset}/ingest-rate", (string dataset, int? minutes, int? stepSeconds, ContractDefinition contract, GatewayMetrics metrics) =>
        {
            if (!contract.TryGetDataset(dataset, out _))
            {
                return Problems.UnknownDataset(dataset);
            }

            var window = (int)IngestHistory.Window.TotalMinutes;
            if (minutes is < 1 || minutes > window)
            {
                return Problems.Create(ErrorCodes.BadQuery, $"minutes: 1 to {window} (the gateway keeps {window} minutes)");
            }

            if (stepSeconds is < 1 or > 60)
            {
                return Problems.Create(ErrorCodes.BadQuery, "stepSeconds: 1 to 60");
            }

            return TypedResults.Ok(metrics.History.Read(dataset, TimeSpan.FromMinutes(minutes ?? 5), TimeSpan.FromSeconds(stepSeconds ?? 5)));
        }).Produces<Views.IngestRateView>().WithName("getIngestRate").WithTags("records").WithSummary("This gateway's committed and refused batches of a dataset over the last minutes (for charts)");
        return routes;
    }
}

using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Datasets;

/// <summary><c>GET /v1/datasets</c> and <c>GET /v1/datasets/{dataset}</c>: the contract and per-partition counts.</summary>
public static class DatasetEndpoints
{
    /// <summary>Maps the dataset routes.</summary>
    public static IEndpointRouteBuilder MapDatasetEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/datasets", (ContractDefinition contract) => TypedResults.Ok(new
        {
            contractVersion = contract.Version,
            datasets = contract.Datasets.Values.Select(Describe).ToArray(),
        }));

        routes.MapGet("/v1/datasets/{dataset}", async (string dataset, ContractDefinition contract, IGrainFactory grains, HttpContext http) =>
        {
            if (!contract.TryGetDataset(dataset, out var definition))
            {
                return (IResult)Problems.UnknownDataset(dataset);
            }

            var calls = Enumerable.Range(0, definition.Partitions).Select(p => grains.GetPartition(dataset, p).GetStatsAsync()).ToArray();
            try
            {
                await Task.WhenAll(calls);
            }
            catch
            {
                // Reported below.
            }

            var failed = calls.Select((c, p) => (c, p)).Where(x => !x.c.IsCompletedSuccessfully).Select(x => x.p).ToArray();
            if (failed.Length > 0)
            {
                http.Response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status503ServiceUnavailable, "partitions_unavailable",
                    $"partitions {string.Join(", ", failed)} of '{dataset}' did not answer",
                    new Dictionary<string, object?> { ["failedPartitions"] = failed });
            }

            var stats = calls.Select(c => c.Result).ToArray();
            return TypedResults.Ok(new
            {
                contractVersion = contract.Version,
                dataset = Describe(definition),
                rows = ValueText.FormatInt64(stats.Sum(s => s.Rows)),
                partitions = stats.Select(s => new
                {
                    partition = s.Partition,
                    rows = ValueText.FormatInt64(s.Rows),
                    batches = ValueText.FormatInt64(s.Batches),
                    watermark = s.WatermarkMicros is { } w ? ValueText.FormatTimestamp(w) : null,
                    shardBytes = ValueText.FormatInt64(s.ShardBytes),
                }).ToArray(),
            });
        });

        return routes;
    }

    private static object Describe(DatasetDefinition dataset) => new
    {
        name = dataset.Name,
        description = dataset.Description,
        key = dataset.Key,
        partitionBy = dataset.PartitionBy,
        partitions = dataset.Partitions,
        time = dataset.TimeColumn,
        columns = dataset.Columns.Select(c => new { name = c.Name, type = c.Type.ToString(), nullable = c.Nullable, description = c.Description }).ToArray(),
    };
}

using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Datasets;

/// <summary><c>GET /v1/datasets</c> and <c>GET /v1/datasets/{dataset}</c>: the contract and per-partition counts.</summary>
public static class DatasetEndpoints
{
    /// <summary>Maps the dataset routes.</summary>
    public static IEndpointRouteBuilder MapDatasetEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/contract", (ContractDefinition contract) => TypedResults.Ok(new
        {
            version = contract.Version,
            hash = contract.Hash,
            datasets = contract.Datasets.Values.Select(Describe).ToArray(),
            migrations = contract.Migrations.Select(m => new { version = m.Version, dataset = m.Dataset, change = m.Describe() }).ToArray(),
        }));

        routes.MapGet("/v1/datasets", (ContractDefinition contract) => TypedResults.Ok(new
        {
            contractVersion = contract.Version,
            datasets = contract.Datasets.Values.Select(Describe).ToArray(),
        }));

        routes.MapGet("/v1/datasets/{dataset}", async (string dataset, ContractDefinition contract, IGrainFactory grains) =>
        {
            if (!contract.TryGetDataset(dataset, out var definition))
            {
                return Problems.UnknownDataset(dataset);
            }

            var relay = grains.Relay();
            var result = await Fanout.CallAsync(Enumerable.Range(0, definition.Partitions), p => relay.GetStatsAsync(dataset, p));
            if (!result.AllSucceeded)
            {
                return PartitionFailures.ToProblem(dataset, result.Failed, ErrorCodes.PartitionsUnavailable);
            }

            var stats = result.Succeeded.Values.ToArray();
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
        hash = dataset.Hash,
        columns = dataset.Columns.Select(c => new { name = c.Name, type = c.Type.ToString(), nullable = c.Nullable, description = c.Description }).ToArray(),
    };
}

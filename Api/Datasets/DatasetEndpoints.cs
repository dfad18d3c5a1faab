using Mallard.Contract;
using Mallard.Api.Views;
using Mallard.Partitions;

namespace Mallard.Api.Datasets;

/// <summary><c>GET /v1/datasets</c> and <c>GET /v1/datasets/{dataset}</c>: the contract and per-partition counts.</summary>
public static class DatasetEndpoints
{
    /// <summary>Maps the dataset routes.</summary>
    public static IEndpointRouteBuilder MapDatasetEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/contract", (ContractDefinition contract) => TypedResults.Ok(new ContractView(
            contract.Version,
            contract.Hash,
            [.. contract.Datasets.Values.Select(DatasetView.Of)],
            [.. contract.Migrations.Select(m => new MigrationView(m.Version, m.Dataset, m.Describe()))])))
            .WithName("getContract").WithTags("datasets").WithSummary("The contract: every dataset, its columns and the declared migrations");

        routes.MapGet("/v1/datasets", (ContractDefinition contract) => TypedResults.Ok(new DatasetListView(contract.Version, [.. contract.Datasets.Values.Select(DatasetView.Of)])))
            .WithName("listDatasets").WithTags("datasets").WithSummary("Every dataset of the contract");

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
            return TypedResults.Ok(new DatasetStatsView(
                contract.Version,
                DatasetView.Of(definition),
                ValueText.FormatInt64(stats.Sum(s => s.Rows)),
                [.. stats.Select(s => new PartitionStatsView(
                    s.Partition,
                    ValueText.FormatInt64(s.Rows),
                    ValueText.FormatInt64(s.Batches),
                    s.WatermarkMicros is { } w ? ValueText.FormatTimestamp(w) : null,
                    ValueText.FormatInt64(s.ShardBytes)))]));
        }).Produces<DatasetStatsView>().WithName("getDataset").WithTags("datasets").WithSummary("A dataset's contract and per-partition rows, batches, watermark and shard size");

        return routes;
    }
}

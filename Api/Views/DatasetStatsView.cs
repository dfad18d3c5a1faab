namespace Mallard.Api.Views;

/// <summary>The answer to <c>GET /v1/datasets/{dataset}</c>.</summary>
/// <param name="ContractVersion">The contract version.</param>
/// <param name="Dataset">The dataset's contract.</param>
/// <param name="Rows">Rows stored over all partitions (int64 as a string).</param>
/// <param name="Partitions">Each partition's committed state.</param>
public sealed record DatasetStatsView(int ContractVersion, DatasetView Dataset, string Rows, PartitionStatsView[] Partitions);

namespace Mallard.Api.Views;

/// <summary>The answer to <c>GET /v1/datasets</c>.</summary>
/// <param name="ContractVersion">The contract version.</param>
/// <param name="Datasets">Every dataset.</param>
public sealed record DatasetListView(int ContractVersion, DatasetView[] Datasets);

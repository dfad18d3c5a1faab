namespace Mallard.Api.Views;

/// <summary>The answer to <c>GET /v1/contract</c>.</summary>
/// <param name="Version">The contract version.</param>
/// <param name="Hash">The contract hash (generated client types name the hash they were made from).</param>
/// <param name="Datasets">Every dataset.</param>
/// <param name="Migrations">Every declared migration.</param>
public sealed record ContractView(int Version, string Hash, DatasetView[] Datasets, MigrationView[] Migrations);

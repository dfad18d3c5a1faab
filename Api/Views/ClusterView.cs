namespace Mallard.Api.Views;

/// <summary>The answer to <c>GET /v1/cluster</c>.</summary>
/// <param name="ContractVersion">The gateway's contract version.</param>
/// <param name="Ordinals">In cluster mode, every ordinal; null when embedded or the rebalancer did not answer.</param>
/// <param name="Moves">In cluster mode, the moves; null when embedded or the rebalancer did not answer.</param>
/// <param name="Silos">Every silo the membership knows, dead ones included.</param>
/// <param name="Partitions">Every partition of every dataset.</param>
public sealed record ClusterView(int ContractVersion, OrdinalView[]? Ordinals, MovesView? Moves, SiloView[] Silos, PartitionPlacementView[] Partitions);

namespace Mallard.Moves;

/// <summary>Ownership as the rebalancer sees it: ordinals, what each owns, and the plans.</summary>
/// <param name="Ordinals">Per known ordinal: active, drained, and the partitions it owns by dataset.</param>
/// <param name="Current">The running or last plan.</param>
/// <param name="FailedMoves">Moves that failed recently (the newest last).</param>
[GenerateSerializer, Immutable, Alias("mallard.ClusterStatus")]
public sealed record ClusterStatus(
    [property: Id(0)] OrdinalStatus[] Ordinals,
    [property: Id(1)] ClusterPlan? Current,
    [property: Id(2)] MoveProgress[] FailedMoves);

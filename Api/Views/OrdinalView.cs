namespace Mallard.Api.Views;

/// <summary>A silo ordinal in cluster mode: whether it is active or drained, and what it owns.</summary>
/// <param name="Ordinal">The ordinal (a StatefulSet pod's index).</param>
/// <param name="Active">Whether a silo with this ordinal is in the cluster.</param>
/// <param name="Drained">Whether an operator drained it (it owns nothing and gets nothing).</param>
/// <param name="Partitions">Owned partitions, by dataset.</param>
public sealed record OrdinalView(int Ordinal, bool Active, bool Drained, IReadOnlyDictionary<string, int[]> Partitions);

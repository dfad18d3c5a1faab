namespace Mallard.Api.Views;

/// <summary>The answer to <c>POST /v1/cluster/undrain</c>.</summary>
/// <param name="Ordinal">The ordinal.</param>
/// <param name="Drained">Always false: the ordinal takes partitions again at the next rebalance.</param>
public sealed record UndrainView(int Ordinal, bool Drained);

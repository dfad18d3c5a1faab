using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary>A validated query body.</summary>
/// <param name="Query">What every partition runs.</param>
/// <param name="AllowPartial">Whether to answer without partitions whose silo is down.</param>
public sealed record QueryRequest(PartitionQuery Query, bool AllowPartial);

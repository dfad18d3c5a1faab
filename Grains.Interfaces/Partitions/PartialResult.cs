namespace Mallard.Partitions;

/// <summary>
/// One partition's answer to a <see cref="PartitionQuery"/>. Raw queries: the selected columns
/// followed by any sort columns not selected. Aggregate queries: the group-by columns, then per
/// aggregate its partial state — <c>count</c>: int64; <c>sum</c>, <c>min</c>, <c>max</c>: one value;
/// <c>avg</c>: the partition's float64 mean followed by its int64 count — so the gateway can merge exactly.
/// </summary>
[GenerateSerializer, Immutable, Alias("mallard.PartialResult")]
public sealed record PartialResult(
    [property: Id(0)] int Partition,
    [property: Id(1)] ResultColumn[] Columns,
    [property: Id(2)] ColumnVector[] Vectors,
    [property: Id(3)] int RowCount);

namespace Mallard.Partitions;

/// <summary>A snapshot of one partition's shard.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Rows">Rows stored.</param>
/// <param name="Batches">Batches in the ledger.</param>
/// <param name="WatermarkMicros">Largest event time stored (microseconds since the Unix epoch), if the dataset has a time column and rows.</param>
/// <param name="ShardBytes">Size of the shard file on disk.</param>
/// <param name="Silo">The silo the partition is active on.</param>
/// <param name="QueuedRows">Rows waiting for the partition's writer.</param>
/// <param name="Epoch">The fencing epoch of the partition's current activation.</param>
/// <param name="Owner">The silo ordinal that owns the partition's shard.</param>
[GenerateSerializer, Immutable, Alias("mallard.PartitionStats")]
public sealed record PartitionStats(
    [property: Id(0)] int Partition,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Batches,
    [property: Id(3)] long? WatermarkMicros,
    [property: Id(4)] long ShardBytes,
    [property: Id(5)] string Silo = "",
    [property: Id(6)] long QueuedRows = 0,
    [property: Id(7)] long Epoch = 0,
    [property: Id(8)] int Owner = 0);

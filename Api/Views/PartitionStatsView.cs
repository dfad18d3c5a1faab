namespace Mallard.Api.Views;

/// <summary>One partition's committed state.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Rows">Rows stored (int64 as a string).</param>
/// <param name="Batches">Batches committed (int64 as a string).</param>
/// <param name="Watermark">The highest event time stored, or null before any.</param>
/// <param name="ShardBytes">The shard file's size in bytes (int64 as a string).</param>
public sealed record PartitionStatsView(int Partition, string Rows, string Batches, string? Watermark, string ShardBytes);

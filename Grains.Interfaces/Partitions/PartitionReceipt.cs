namespace Mallard.Partitions;

/// <summary>What one partition committed for one batch.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="Accepted">Records stored by this commit.</param>
/// <param name="CommittedAt">When the shard transaction committed.</param>
/// <param name="Replayed">True when the batch had already been committed and nothing was written now.</param>
/// <param name="Duplicates">Records not stored because their key was already in the shard (or earlier in the batch).</param>
/// <param name="DuplicateIndexes">Request positions of the first duplicates (at most <see cref="MaxListedDuplicates"/>).</param>
[GenerateSerializer, Immutable, Alias("mallard.PartitionReceipt")]
public sealed record PartitionReceipt(
    [property: Id(0)] string BatchId,
    [property: Id(1)] int Partition,
    [property: Id(2)] int Accepted,
    [property: Id(3)] DateTimeOffset CommittedAt,
    [property: Id(4)] bool Replayed,
    [property: Id(5)] int Duplicates,
    [property: Id(6)] int[] DuplicateIndexes)
{
    /// <summary>Most duplicate positions a receipt lists.</summary>
    public const int MaxListedDuplicates = 1000;
}

using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>What one group commit did.</summary>
/// <param name="Outcomes">Per batch, in order: its receipt, or the error that refused it alone.</param>
/// <param name="Seq">The commit sequence the group took; 0 when it wrote nothing (only replays and refusals).</param>
/// <param name="CommittedAt">The commit time written to the group's ledger entries (UTC).</param>
public sealed record GroupCommit(IReadOnlyList<(PartitionReceipt? Receipt, Exception? Error)> Outcomes, long Seq, DateTime CommittedAt)
{
    /// <summary>Why the ledger prune after the commit failed (the group is committed regardless; the prune is retried), or null.</summary>
    public string? LedgerPruneFailure { get; init; }

    /// <summary>Queries interrupted so that this group could have the shard's memory (they answer <c>query_preempted</c>).</summary>
    public int QueriesPreempted { get; init; }
}

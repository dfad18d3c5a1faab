using Orleans.Concurrency;

namespace Mallard.Partitions;

/// <summary>
/// The single writer of one (dataset, partition) shard. Keyed by <see cref="PartitionKey"/>
/// (<c>dataset/partition</c>). Appends are queued and written by one writer, a group of them per
/// transaction; queries read committed snapshots and interleave with appends, so a reader sees all
/// of a batch or none of it. It is also the source side of a move (<see cref="Mallard.Moves.IPartitionMoveSource"/>).
/// </summary>
public interface IPartitionGrain : Mallard.Moves.IPartitionMoveSource
{
    /// <summary>
    /// Commits a batch's new rows and its ledger entry in one shard transaction. Records whose key
    /// is already stored (or repeats earlier in the batch) are counted as duplicates, not stored.
    /// A batch whose id is already in the ledger is not written again: its original receipt is
    /// returned with <see cref="PartitionReceipt.Replayed"/> set; with another request hash it is
    /// refused (<c>idempotency_key_reused</c>). Safe to call twice. Appends that arrive while a
    /// commit is running are coalesced into the next transaction (group commit); when the
    /// partition's queue is full the call fails at once with <c>partition_overloaded</c>.
    /// </summary>
    [AlwaysInterleave]
    Task<PartitionReceipt> AppendAsync(RecordBatch batch);

    /// <summary>
    /// Runs a query on a committed snapshot of the shard. Cancelling the token (the gateway's
    /// query timeout, or its client going away) interrupts the DuckDB statement and frees its
    /// reader; the call then fails with <c>query_timeout</c>.
    /// </summary>
    [AlwaysInterleave]
    Task<PartialResult> QueryWithinAsync(PartitionQuery query, CancellationToken cancellationToken);

    /// <summary>As <see cref="QueryWithinAsync"/> without a deadline: what a gateway one version behind calls during a rolling upgrade.</summary>
    [AlwaysInterleave]
    Task<PartialResult> QueryAsync(PartitionQuery query);

    /// <summary>The ledger entry of a batch, if this partition committed it within the retention period.</summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:00:01.500")]
    Task<BatchLedgerEntry?> FindBatchAsync(string batchId);

    /// <summary>Reads row count, ledger size, watermark and file size.</summary>
    [AlwaysInterleave]
    Task<PartitionStats> GetStatsAsync();
}

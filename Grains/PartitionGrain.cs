using System.Diagnostics;
using Mallard.Contract;
using Mallard.Grains.Moves;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Mallard.Grains.Writing;
using Mallard.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mallard.Grains;

/// <summary>
/// Owns one shard. Appends (<c>[AlwaysInterleave]</c>) join the partition's bounded write queue
/// and return at once; its single writer commits what is waiting as one group (one transaction)
/// and completes each caller, so appends never wait for each other's turns. Queries and stats also
/// interleave and read committed snapshots on the shard's pooled reader connections. All DuckDB
/// work runs on the thread pool, never on the grain scheduler. A shard that cannot be served under
/// the current contract (drift, a failed migration) is refused: every call fails with the reason,
/// and the grain deactivates when idle so the next call checks again.
/// In a cluster the grain is placed on the silo that owns its shard and refuses to open the shard
/// anywhere else (a shard left on a silo that no longer owns it is retired, never served). Each
/// activation takes a new fencing epoch in the ownership store, and confirms it before every
/// commit (so a fenced activation writes nothing) and again before acknowledging (so a commit that
/// raced a newer activation is never answered 200). It is also the source side of a move
/// (PartitionGrain.MoveOut.cs).
/// </summary>
[ShardOwnerPlacement]
public sealed partial class PartitionGrain(
    IOwnershipStore store,
    PartitionOwners owners,
    IncomingShards incoming,
    IOptions<ClusterTopologyOptions> topology,
    ContractDefinition contract,
    ShardCatalog catalog,
    ShardMetrics metrics,
    PartitionGauges gauges,
    CommitGate gate,
    IOptions<ShardOptions> options,
    ILogger<PartitionGrain> logger)
    : Grain, IPartitionGrain
{
    private PartitionWriteQueue? _queue;
    private Shard? _shard;
    private PartitionGauge? _gauge;
    private DatasetDefinition? _dataset;
    private PartitionException? _refusal;
    private bool _misplaced;
    private long _epoch;
    private int _owner;

    public Task<PartitionReceipt> AppendAsync(RecordBatch batch)
    {
        var shard = Serve(batch.Contract);
        if (_move is { Sealing: true } moving)
        {
            metrics.AppendRefused(_dataset!.Name, ErrorCodes.PartitionMoving);
            throw MovingRefusal(moving);
        }

        var queue = _queue!;

        // The append span lives until the batch's commit ends; it must not stay Activity.Current
        // for the rest of this grain turn.
        var caller = Activity.Current;
        var span = MallardTelemetry.Source.StartActivity("mallard.partition.append");
        Activity.Current = caller;
        span?.SetTag("mallard.dataset", _dataset!.Name);
        span?.SetTag("mallard.partition", shard.Partition);
        span?.SetTag("mallard.batch_id", batch.BatchId);
        span?.SetTag("mallard.rows", batch.RowCount);
        span?.SetTag("mallard.queued_rows_ahead", queue.QueuedRows);
        if (queue.TryEnqueue(batch, span) is { } receipt)
        {
            return receipt;
        }

        span?.SetTag("mallard.outcome", ErrorCodes.PartitionOverloaded);
        span?.Dispose();
        metrics.AppendRefused(_dataset!.Name, ErrorCodes.PartitionOverloaded);
        throw new PartitionException(
            ErrorCodes.PartitionOverloaded,
            $"partition {this.GetPrimaryKeyString()} has {queue.QueuedRows} rows waiting (limit {options.Value.MaxQueuedRows}); retry later");
    }

    // Between two groups, once the callers have their receipts: work no request should wait for.
    private async Task BetweenGroupsAsync(Shard shard)
    {
        await CheckpointIfDueAsync(shard);
        await WriteKeyRunIfDueAsync(shard);
    }

    // The stored-key index writes its newest keys out to disk, keeping its memory fixed.
    private async Task WriteKeyRunIfDueAsync(Shard shard)
    {
        if (!shard.KeyRunDue)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        using var span = MallardTelemetry.Source.StartActivity("mallard.shard.key_run", ActivityKind.Internal);
        span?.SetTag("mallard.dataset", _dataset!.Name);
        span?.SetTag("mallard.partition", shard.Partition);
        var (written, failure) = await Task.Run(shard.WriteKeyRunIfDue);
        if (written)
        {
            metrics.KeyRunTook(_dataset!.Name, Stopwatch.GetElapsedTime(started));
        }
        else if (failure is not null)
        {
            span?.SetStatus(ActivityStatusCode.Error, failure);
            metrics.KeyRunFailed(_dataset!.Name);
            LogKeyRunFailed(this.GetPrimaryKeyString(), failure);
        }
    }

    // A checkpoint folds the WAL into the file without any request waiting for it.
    private async Task CheckpointIfDueAsync(Shard shard)
    {
        if (!shard.CheckpointDue)
        {
            return;
        }

        var dataset = _dataset!.Name;
        var started = Stopwatch.GetTimestamp();
        using var span = MallardTelemetry.Source.StartActivity("mallard.shard.checkpoint", ActivityKind.Internal);
        span?.SetTag("mallard.dataset", dataset);
        span?.SetTag("mallard.partition", shard.Partition);
        var (ran, refusal) = await Task.Run(shard.CheckpointIfDue);
        if (ran)
        {
            metrics.CheckpointTook(dataset, shard.Partition, Stopwatch.GetElapsedTime(started));
        }
        else if (refusal is not null)
        {
            span?.SetStatus(ActivityStatusCode.Error, refusal);
            metrics.CheckpointRefused(dataset);
            LogCheckpointRefused(this.GetPrimaryKeyString(), refusal);
        }
    }

    // One group commit: the lease is confirmed, then the group is written in one transaction off
    // the scheduler. Its span is a child of the first batch's span and links to the others.
    private async Task<IReadOnlyList<AppendOutcome>> CommitAsync(Shard shard, IReadOnlyList<PendingAppend> group)
    {
        var dataset = _dataset!.Name;
        var started = Stopwatch.GetTimestamp();
        using var commit = MallardTelemetry.Source.StartActivity(
            "mallard.shard.commit",
            ActivityKind.Internal,
            group[0].Span?.Context ?? default,
            tags: null,
            links: group.Skip(1).Where(g => g.Span is not null).Select(g => new ActivityLink(g.Span!.Context)));
        commit?.SetTag("mallard.dataset", dataset);
        commit?.SetTag("mallard.partition", shard.Partition);
        commit?.SetTag("mallard.batches", group.Count);
        commit?.SetTag("mallard.rows", group.Sum(g => (long)g.Batch.RowCount));
        try
        {
            if (_refusal is { } refusal)
            {
                throw new PartitionException(refusal.Code, refusal.Message);
            }

            await ConfirmEpochAsync();
            var batches = group.Select(g => g.Batch).ToList();
            var written = await Task.Run(() => shard.AppendGroup(batches));
            var outcomes = written.Outcomes.Select(o => new AppendOutcome(o.Receipt, o.Error)).ToArray();
            if (written.LedgerPruneFailure is { } pruneFailure)
            {
                metrics.LedgerPruneFailed(dataset);
                LogLedgerPruneFailed(this.GetPrimaryKeyString(), pruneFailure);
            }

            if (written.QueriesPreempted > 0)
            {
                metrics.QueriesPreempted(dataset, written.QueriesPreempted);
                LogQueriesPreempted(this.GetPrimaryKeyString(), written.QueriesPreempted);
            }

            KeepForMove(written, batches);
            await FailPoints.PauseAsync("partition.after_commit");

            // Confirmed again before anyone is told: a commit that raced a newer activation is on a
            // superseded shard, and its callers get a retryable refusal instead of a 200.
            await ConfirmEpochAsync();
            metrics.CommitTook(dataset, shard.Partition, Stopwatch.GetElapsedTime(started));
            RecordCommitted(group, outcomes);
            foreach (var outcome in outcomes)
            {
                if (outcome.Receipt is { Replayed: true } replayed)
                {
                    LogReplayed(dataset, shard.Partition, replayed.BatchId);
                }
            }

            metrics.GroupCommitted(dataset, group.Count);
            return outcomes;
        }
        catch (Exception e)
        {
            LogCommitFailed(e, this.GetPrimaryKeyString(), group.Count);
            commit?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    public Task<PartialResult> QueryAsync(PartitionQuery query) => QueryWithinAsync(query, CancellationToken.None);

    public async Task<PartialResult> QueryWithinAsync(PartitionQuery query, CancellationToken cancellationToken)
    {
        var shard = Serve(query.Contract);
        using var span = MallardTelemetry.Source.StartActivity("mallard.partition.query");
        span?.SetTag("mallard.dataset", _dataset!.Name);
        span?.SetTag("mallard.partition", shard.Partition);
        var result = await shard.QueryAsync(query, cancellationToken);
        span?.SetTag("mallard.rows", result.RowCount);
        return result;
    }

    public Task<BatchLedgerEntry?> FindBatchAsync(string batchId)
    {
        var shard = Serve(stamp: null);
        return Task.Run(() => shard.FindBatch(batchId));
    }

    public async Task<PartitionStats> GetStatsAsync()
    {
        var shard = Serve(stamp: null);
        var stats = await Task.Run(shard.Stats);
        return stats with { Silo = RuntimeIdentity, QueuedRows = _queue?.QueuedRows ?? 0, Epoch = _epoch, Owner = _owner };
    }

    private void RecordCommitted(IReadOnlyList<PendingAppend> group, IReadOnlyList<AppendOutcome> outcomes)
    {
        if (_gauge is not { } gauge)
        {
            return;
        }

        var timeOrdinal = _dataset!.TimeColumn is { } time && _dataset.TryGetColumn(time, out var column) ? column.Ordinal : -1;
        long rows = 0, batches = 0, maxEvent = long.MinValue;
        for (var i = 0; i < group.Count; i++)
        {
            if (outcomes[i].Receipt is not { Replayed: false } receipt)
            {
                continue;
            }

            rows += receipt.Accepted;
            batches++;
            if (timeOrdinal >= 0 && group[i].Batch.Columns[timeOrdinal].Int64s is { Length: > 0 } times)
            {
                maxEvent = Math.Max(maxEvent, times.Max());
            }
        }

        gauge.Committed(rows, batches, maxEvent);
    }

    private Shard Serve(ContractStamp? stamp)
    {
        if (_refusal is { } refusal)
        {
            // Misplaced: keep asking to migrate (the owner may have been down when it was first
            // asked); any other refusal: close, so the next call activates afresh.
            if (_misplaced)
            {
                MigrateOnIdle();
            }
            else
            {
                DeactivateOnIdle();
            }

            throw new PartitionException(refusal.Code, refusal.Message);
        }

        if (stamp is not null && stamp.DatasetHash != _dataset!.Hash)
        {
            throw new PartitionException(
                ErrorCodes.ContractMismatch,
                $"the gateway validated against contract v{stamp.Version} ('{_dataset.Name}' definition {stamp.DatasetHash}); this silo holds v{contract.Version} (definition {_dataset.Hash})");
        }

        return _shard ?? throw new InvalidOperationException("partition is not activated");
    }
}

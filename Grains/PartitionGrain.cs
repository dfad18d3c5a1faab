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

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        if (!PartitionKey.TryParse(key, out var datasetName, out var partition))
        {
            throw new PartitionException(ErrorCodes.BadPartitionKey, $"'{key}' is not a partition key (dataset/partition)");
        }

        if (!contract.TryGetDataset(datasetName, out var dataset))
        {
            throw new PartitionException(ErrorCodes.UnknownDataset, $"dataset '{datasetName}' is not in contract version {contract.Version}");
        }

        if (partition >= dataset.Partitions)
        {
            throw new PartitionException(ErrorCodes.UnknownPartition, $"dataset '{datasetName}' has {dataset.Partitions} partitions; {partition} does not exist");
        }

        _dataset = dataset;
        try
        {
            _owner = (await owners.OwnerOfAsync(datasetName, partition, dataset.Partitions)).Owner;
        }
        catch (PartitionException e)
        {
            Refuse(e);
            return;
        }

        if (_owner != topology.Value.Ordinal)
        {
            // Placement should never land here; if it does (a stale map, a directory race), the
            // shard is not this silo's to open, and an empty one must not be created. A file left
            // here by an earlier owner (the partition moved away) is retired, never served.
            if (!incoming.Contains(datasetName, partition))
            {
                await Task.Run(() => catalog.Retire(datasetName, partition), cancellationToken);
            }

            Refuse(PartitionUnavailable.NotOwner(key, _owner, topology.Value.Ordinal));

            // A call reached this silo through a stale directory entry (the partition lived here
            // before a move) and Orleans activated it here without asking placement. Deactivating
            // would let the next call do the same, forever; migrating asks the placement director,
            // which puts the partition on its owner and points the directory there.
            _misplaced = true;
            MigrateOnIdle();
            return;
        }

        // The shard is this activation's only once the activation succeeds. Orleans stops waiting
        // for an activation past its timeout and never deactivates one that failed, while this
        // method runs on: a shard opened here and not handed over must be closed here, or the
        // catalog keeps it open and every later activation on this silo fails.
        Shard? opened = null;
        try
        {
            opened = await Task.Run(() => catalog.Open(dataset, partition), CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            await TakeEpochAsync(opened, key, cancellationToken);
            var stats = await Task.Run(opened.Stats, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            _shard = opened;
            _gauge = gauges.Register(datasetName, partition, opened.Path, stats.Rows, stats.Batches, stats.WatermarkMicros);
        }
        catch (PartitionException e)
        {
            Refuse(e);
            _shard = opened;
            await CloseShardAsync(reason: null);
            return;
        }
        catch (Exception e)
        {
            LogActivationFailed(e, key);
            _shard = opened;
            await CloseShardAsync(reason: null);
            throw;
        }

        var shard = opened;
        _queue = new PartitionWriteQueue(
            options.Value.MaxQueuedRows,
            options.Value.MaxRowsPerCommit,
            group => CommitAsync(shard, group),
            gate.PassAsync,
            queued => _gauge?.QueuedRows = queued,
            TimeSpan.FromMilliseconds(options.Value.CommitLingerMs));
        foreach (var step in shard.AppliedSteps)
        {
            metrics.EvolutionStepApplied(datasetName, step.Kind.ToString());
            LogEvolved(key, contract.Version, step.Description);
        }

        LogActivated(key, shard.Path, _epoch);
    }


    // A new epoch: one above both the stored epoch and the shard's own stamp, taken only if this
    // ordinal still owns the partition (one conditional statement in the store). The shard stamp
    // then refuses any epoch older than one it already carries.
    private async Task TakeEpochAsync(Shard shard, string key, CancellationToken cancellationToken)
    {
        var stamped = await Task.Run(shard.StampedEpoch, cancellationToken);
        long? taken;
        try
        {
            taken = await store.TakeEpochAsync(_dataset!.Name, shard.Partition, topology.Value.Ordinal, stamped, cancellationToken);
        }
        catch (Exception e) when (e is not PartitionException)
        {
            throw PartitionUnavailable.LeaseUnreadable(key, e);
        }

        if (taken is not { } epoch)
        {
            var now = await store.ReadAsync(_dataset.Name, shard.Partition, cancellationToken);
            throw PartitionUnavailable.NotOwner(key, now?.Owner ?? -1, topology.Value.Ordinal);
        }

        var before = await Task.Run(() => shard.StampEpoch(epoch, topology.Value.Ordinal), cancellationToken);
        if (before >= epoch)
        {
            throw PartitionUnavailable.Fenced(key, epoch, before);
        }

        _epoch = epoch;
    }

    // The store must still name this ordinal as owner at this activation's epoch.
    private async Task ConfirmEpochAsync()
    {
        PartitionOwnership? current;
        try
        {
            current = await store.ReadAsync(_dataset!.Name, _shard!.Partition);
        }
        catch (Exception e) when (e is not PartitionException)
        {
            // Unfenced writes are worse than none: without the lease nothing is written, and the
            // refusal says why in a form that crosses the wire (a driver's exception may not).
            throw PartitionUnavailable.LeaseUnreadable(this.GetPrimaryKeyString(), e);
        }

        if (current is null || current.Epoch != _epoch || current.Owner != topology.Value.Ordinal)
        {
            var fenced = PartitionUnavailable.Fenced(this.GetPrimaryKeyString(), _epoch, current?.Epoch ?? 0);
            Refuse(fenced);
            DeactivateOnIdle();
            throw fenced;
        }
    }

    private void Refuse(PartitionException reason)
    {
        _refusal = reason;
        metrics.ShardRefused(_dataset?.Name ?? "", reason.Code);
        LogRefused(reason, this.GetPrimaryKeyString(), reason.Code, reason.Message);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            // Batches already queued are committed (or fail) before the shard closes: a graceful
            // shutdown drains instead of dropping acknowledged-in-flight work.
            if (_queue is { } queue)
            {
                await queue.Drained;
            }

            // Closing while sealed for a move whose end never arrived: if the switch happened, the
            // file is the target's now and is retired here rather than left for the next start.
            if (_move is { Sealed: not null } && _dataset is { } dataset && _shard is { } sealedShard)
            {
                try
                {
                    var owner = await store.ReadAsync(dataset.Name, sealedShard.Partition, cancellationToken);
                    _retireOnClose |= owner is not null && owner.Owner != topology.Value.Ordinal;
                }
                catch (Exception e)
                {
                    // Unknown (the store, or the deactivation's time, ran out): the file stays, and
                    // the next start retires it if another ordinal owns it.
                    LogReclaimFailed(e, this.GetPrimaryKeyString(), _move.Move.MoveId);
                }
            }
        }
        finally
        {
            // Whatever happened above, the shard closes: a file left open in the catalog would
            // refuse every later activation of the partition on this silo.
            await CloseShardAsync(reason);
        }
    }

    // Closes the shard: on deactivation, or when an activation will not serve what it opened
    // (refused, failed or given up on; no reason then, and nothing to retire).
    private async Task CloseShardAsync(DeactivationReason? reason)
    {
        if (_gauge is { } gauge)
        {
            gauges.Unregister(gauge);
            _gauge = null;
        }

        if (_shard is { } shard)
        {
            _shard = null;
            await Task.Run(shard.Dispose, CancellationToken.None);
            if (reason is { } deactivation)
            {
                LogDeactivated(this.GetPrimaryKeyString(), deactivation.ReasonCode.ToString());
            }

            if (_retireOnClose)
            {
                // The partition moved away: its old file is kept under retired/ for the retention period.
                var retired = await Task.Run(() => catalog.Retire(_dataset!.Name, shard.Partition), CancellationToken.None);
                LogRetired(this.GetPrimaryKeyString(), retired ?? "(nothing)");
            }
        }
    }

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

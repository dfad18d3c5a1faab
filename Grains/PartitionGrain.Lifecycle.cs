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

/// <summary>The partition grain's lifecycle: activation on its owner, the fencing epoch, refusal and closing the shard.</summary>
public sealed partial class PartitionGrain
{
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
            TimeSpan.FromMilliseconds(options.Value.CommitLingerMs),
            afterGroup: () => BetweenGroupsAsync(shard));
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
                if (_shard is { } draining)
                {
                    catalog.NoteClosing(draining, $"committing its queue ({queue.QueuedRows} rows) since {reason.ReasonCode}");
                }

                await queue.Drained;
            }

            // Closing while sealed for a move whose end never arrived: if the switch happened, the
            // file is the target's now and is retired here rather than left for the next start.
            if (_move is { Sealed: not null } && _dataset is { } dataset && _shard is { } sealedShard)
            {
                catalog.NoteClosing(sealedShard, "reading the partition's owner after a move that did not end");
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
            catalog.NoteClosing(shard, "closing the file (waits for a running commit)");
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
}

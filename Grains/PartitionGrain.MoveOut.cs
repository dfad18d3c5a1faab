using Mallard.Contract;
using Mallard.Grains.Moves;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Mallard.Moves;
using Mallard.Partitions;

namespace Mallard.Grains;

/// <summary>
/// The source side of a move. Writes go on while the target copies the pinned image and replays
/// the log; then the source seals (appends answer <c>partition_moving</c>), the target takes the
/// remainder and switches owner and epoch in the store in one conditional statement. A seal that
/// nobody ends within <see cref="SealTimeout"/> is lifted the same way a failed move is: by taking
/// a new epoch, which succeeds only if the switch did not happen, so the two can never both win.
/// </summary>
public sealed partial class PartitionGrain
{
    /// <summary>How long a sealed source waits for the target to end the move before it tries to take its partition back.</summary>
    public static readonly TimeSpan SealTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long a move may go without a call from its target before its seal; then it is abandoned.</summary>
    public static readonly TimeSpan IdleMoveTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Most rows the source keeps for a target that does not pull them; beyond it the move is abandoned.</summary>
    private const long MaxLoggedRows = 2_000_000;

    private OutgoingMove? _move;
    private bool _retireOnClose;
    private IGrainTimer? _sealTimer;
    private IGrainTimer? _idleTimer;

    public async Task<MoveImage> BeginMoveOutAsync(PartitionMove move)
    {
        var shard = Serve(stamp: null);
        if (_move is { } running)
        {
            if (running.Move.MoveId == move.MoveId)
            {
                throw new PartitionException(ErrorCodes.PartitionMoving, $"move {move.MoveId} of {this.GetPrimaryKeyString()} already began");
            }

            throw new PartitionException(ErrorCodes.PartitionMoving, $"partition {this.GetPrimaryKeyString()} is already moving to ordinal {running.Move.Target}");
        }

        var image = await Task.Run(shard.PinImage);
        var outgoing = new OutgoingMove(move, image.Bytes);
        _move = outgoing;
        FailPoints.Hit("move.source_pinned");
        outgoing.Checksum = Task.Run(() =>
        {
            using (image)
            {
                return image.Fingerprint().Checksum;
            }
        });
        _idleTimer = this.RegisterGrainTimer(() => AbandonIfIdleAsync(move.MoveId), new GrainTimerCreationOptions(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)) { Interleave = true });
        LogMovePhase(this.GetPrimaryKeyString(), move.MoveId, "image pinned", image.Bytes);
        return new MoveImage(image.Seq, image.Bytes, image.Rows, image.Ledger);
    }

    public async Task<string> GetImageChecksumAsync(Guid moveId)
    {
        var move = MoveOf(moveId);
        try
        {
            return move.Checksum is { } checksum ? await checksum : "";
        }
        catch (DuckDB.NET.Data.DuckDBException e)
        {
            // DuckDB's exception does not cross the wire; the refusal does, with its message.
            throw new PartitionException(ErrorCodes.ShardWriteFailed, $"partition {this.GetPrimaryKeyString()} could not checksum its image: {DisplayText.FirstLine(e.Message)}");
        }
    }

    // A target that stopped calling (it died, or its silo did) before the seal: the move is
    // abandoned, so the file's checkpoints and the log do not stay pinned.
    private async Task AbandonIfIdleAsync(Guid moveId)
    {
        if (_move is { } move && move.Move.MoveId == moveId && move.Sealed is null && DateTime.UtcNow - move.LastCall > IdleMoveTimeout)
        {
            LogMovePhase(this.GetPrimaryKeyString(), moveId, "abandoned; the target stopped calling", (long)IdleMoveTimeout.TotalSeconds);
            await AbandonMoveAsync(_shard!);
        }
    }

    public async Task<ImageChunk> ReadMoveChunkAsync(Guid moveId, long offset, int length)
    {
        var shard = Serve(stamp: null);
        var move = MoveOf(moveId);
        var (bytes, hash) = await Task.Run(() => shard.ReadImage(offset, Math.Clamp(length, 1, 8 << 20), move.ImageBytes));
        return new ImageChunk(bytes, hash);
    }

    public Task<LoggedGroup[]> PullMoveLogAsync(Guid moveId, long afterSeq, int maxRows)
    {
        var move = MoveOf(moveId);
        return Task.FromResult(move.Pull(afterSeq, Math.Max(1, maxRows)));
    }

    public async Task<MoveSeal?> SealForMoveAsync(Guid moveId)
    {
        var shard = Serve(stamp: null);
        var move = MoveOf(moveId);
        if (move.Sealed is { } done)
        {
            return done;
        }

        move.Sealing = true;
        var drained = _queue!.Drained;
        if (await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(3))) != drained)
        {
            move.Sealing = false;
            return null;
        }

        var state = await Task.Run(() => shard.Seal(MovingRefusal(move), TimeSpan.FromSeconds(1)));
        if (state is null)
        {
            move.Sealing = false;
            return null;
        }

        move.Sealed = new MoveSeal(state.Seq, state.Rows, state.Ledger, _epoch);
        move.SealedAt = DateTime.UtcNow;
        FailPoints.Hit("move.source_sealed");
        _sealTimer = this.RegisterGrainTimer(() => WatchSealAsync(moveId), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { Interleave = true });
        LogMovePhase(this.GetPrimaryKeyString(), moveId, "sealed", state.Seq);
        return move.Sealed;
    }

    public async Task EndMoveOutAsync(Guid moveId, bool switched)
    {
        if (_move is not { } move || move.Move.MoveId != moveId)
        {
            return;
        }

        _sealTimer?.Dispose();
        _sealTimer = null;
        if (switched)
        {
            Retire(move);
            return;
        }

        await ReclaimAsync(move);
    }

    // While sealed, every second: if the switch happened (the target may have died before telling
    // us), retire now; after the seal timeout, take the partition back unless the switch happened.
    private async Task WatchSealAsync(Guid moveId)
    {
        if (_move is not { } move || move.Move.MoveId != moveId)
        {
            return;
        }

        try
        {
            if (await store.ReadAsync(_dataset!.Name, _shard!.Partition) is { } owner && owner.Owner != topology.Value.Ordinal)
            {
                _sealTimer?.Dispose();
                _sealTimer = null;
                Retire(move);
                return;
            }
        }
        catch (Exception e) when (e is not PartitionException)
        {
            // The store is not reachable: stay sealed, and ask again next second.
            LogReclaimFailed(e, this.GetPrimaryKeyString(), moveId);
            return;
        }

        if (DateTime.UtcNow - move.SealedAt > SealTimeout)
        {
            _sealTimer?.Dispose();
            _sealTimer = null;
            await ReclaimAsync(move);
        }
    }

    // A new epoch in the store succeeds only while this ordinal still owns the partition: then
    // writes resume here. If the switch won, the partition is the target's and this one retires.
    private async Task ReclaimAsync(OutgoingMove move)
    {
        var shard = _shard!;
        long? epoch;
        try
        {
            epoch = await store.TakeEpochAsync(_dataset!.Name, shard.Partition, topology.Value.Ordinal, _epoch);
        }
        catch (Exception e) when (e is not PartitionException)
        {
            // The store cannot say who won: stay sealed and try again.
            LogReclaimFailed(e, this.GetPrimaryKeyString(), move.Move.MoveId);
            _sealTimer = this.RegisterGrainTimer(() => WatchSealAsync(move.Move.MoveId), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { Interleave = true });
            return;
        }

        if (epoch is not { } taken)
        {
            Retire(move);
            return;
        }

        await Task.Run(() => shard.StampEpoch(taken, topology.Value.Ordinal));
        _epoch = taken;
        await AbandonMoveAsync(shard);
        LogMovePhase(this.GetPrimaryKeyString(), move.Move.MoveId, "abandoned; writes resume on the source", taken);
    }

    private async Task AbandonMoveAsync(Shard shard)
    {
        _move = null;
        _idleTimer?.Dispose();
        _idleTimer = null;
        await Task.Run(() =>
        {
            shard.ReleaseImage();
            shard.Moving = false;
            shard.Unseal();
        });
    }

    private void Retire(OutgoingMove move)
    {
        _idleTimer?.Dispose();
        _idleTimer = null;
        Refuse(PartitionUnavailable.MovedAway(this.GetPrimaryKeyString(), move.Move.Target));
        _retireOnClose = true;
        _move = null;
        DeactivateOnIdle();
        LogMovePhase(this.GetPrimaryKeyString(), move.Move.MoveId, "switched; the source retires", move.Move.Target);
    }

    // After a commit: a running move keeps what the group wrote for the target to replay.
    private void KeepForMove(GroupCommit commit, IReadOnlyList<RecordBatch> batches)
    {
        if (_move is not { } move || commit.Seq == 0)
        {
            return;
        }

        var written = new List<RecordBatch>();
        var accepted = new List<int>();
        for (var i = 0; i < batches.Count; i++)
        {
            if (commit.Outcomes[i].Receipt is { Replayed: false } receipt && !written.Any(b => b.BatchId == receipt.BatchId))
            {
                written.Add(batches[i]);
                accepted.Add(receipt.Accepted);
            }
        }

        move.Keep(new LoggedGroup(commit.Seq, commit.CommittedAt, [.. written], [.. accepted]));
        if (move.LoggedRows > MaxLoggedRows && move.Sealed is null)
        {
            // The target is not keeping up; the move fails rather than the source's memory.
            LogMovePhase(this.GetPrimaryKeyString(), move.Move.MoveId, "abandoned; the target fell behind", move.LoggedRows);
            _ = AbandonMoveAsync(_shard!);
        }
    }

    private OutgoingMove MoveOf(Guid moveId)
    {
        if (_move is { } move && move.Move.MoveId == moveId)
        {
            move.LastCall = DateTime.UtcNow;
            return move;
        }

        throw new PartitionException(ErrorCodes.PartitionUnavailable, $"partition {this.GetPrimaryKeyString()} has no move {moveId} in progress");
    }

    private PartitionException MovingRefusal(OutgoingMove move) =>
        new(ErrorCodes.PartitionMoving, $"partition {this.GetPrimaryKeyString()} is switching to silo {move.Move.Target}; retry in a moment");
}

using System.Diagnostics;
using Mallard.Contract;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Mallard.Moves;
using Mallard.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Moves;

/// <summary>
/// Runs one move on its target silo: copy the source's pinned image in checksummed chunks, verify
/// it, replay the source's log in rounds while it keeps accepting, have it seal, replay the rest,
/// verify counts, make the copy the live shard, then switch owner and epoch in the store (one
/// conditional statement) and let the source retire. Any failure before the switch leaves the
/// partition on its source, which resumes writes. The move runs in the background of this grain;
/// <see cref="StartAsync"/> returns at once and <see cref="GetProgressAsync"/> reports.
/// </summary>
[TargetOrdinalPlacement]
public sealed partial class ShardReceiverGrain(
    ContractDefinition contract,
    ShardCatalog catalog,
    IncomingShards incoming,
    IOwnershipStore store,
    MoveMetrics metrics,
    IOptions<ClusterTopologyOptions> topology,
    IOptions<Rebalancing.RebalanceOptions> rebalance,
    ILogger<ShardReceiverGrain> logger)
    : Grain, IShardReceiverGrain
{
    /// <summary>Bytes per image chunk: bounded memory per call, large enough to keep the link busy.</summary>
    private const int ChunkBytes = 4 << 20;

    /// <summary>Chunks requested ahead of the one being written.</summary>
    private const int ChunksInFlight = 3;

    private const long FlushEvery = 64L << 20;

    /// <summary>A catch-up round that brings fewer rows than this is the last before the seal.</summary>
    private const int SmallRemainderRows = 20_000;

    private const int MaxRoundsBeforeSeal = 50;

    private MoveProgress? _progress;
    private Task? _running;

    public Task<MoveProgress> StartAsync(PartitionMove move)
    {
        if (_progress is { } current && current.Move.MoveId == move.MoveId)
        {
            return Task.FromResult(current);
        }

        if (_running is { IsCompleted: false })
        {
            throw new PartitionException(ErrorCodes.PartitionMoving, $"ordinal {move.Target} is already receiving {move.Dataset}/{move.Partition}");
        }

        if (move.Target != topology.Value.Ordinal)
        {
            throw new PartitionException(ErrorCodes.PartitionUnavailable, $"move {move.MoveId} targets ordinal {move.Target}; this is ordinal {topology.Value.Ordinal}");
        }

        _progress = new MoveProgress(move, MovePhase.Planned, 0, 0, null, 0, 0);
        _running = RunGuardedAsync(move);
        return Task.FromResult(_progress);
    }

    public Task<MoveProgress?> GetProgressAsync() => Task.FromResult(_progress);

    // Whatever escapes the move is reported as its failure, so the rebalancer never waits on a move that ended.
    private async Task RunGuardedAsync(PartitionMove move)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await RunAsync(move);
        }
        catch (Exception e)
        {
            if (_progress is { Done: false })
            {
                Fail(move, started, "error", e.GetBaseException().Message);
            }
        }
    }

    private async Task RunAsync(PartitionMove move)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = MallardTelemetry.Source.StartActivity("mallard.move");
        span?.SetTag("mallard.dataset", move.Dataset);
        span?.SetTag("mallard.partition", move.Partition);
        span?.SetTag("mallard.move.source", move.Source);
        span?.SetTag("mallard.move.target", move.Target);
        metrics.Started(move.Dataset);
        LogMoveStarted(move.MoveId, move.Dataset, move.Partition, move.Source, move.Target);
        var source = GrainFactory.GetGrain<IPartitionGrain>(PartitionKey.Format(move.Dataset, move.Partition));
        Shard? copy = null;
        var switched = false;
        if (!incoming.TryAdd(move.Dataset, move.Partition))
        {
            Fail(move, started, "receiving", "this silo is already receiving the partition");
            return;
        }

        try
        {
            var dataset = contract.TryGetDataset(move.Dataset, out var d) ? d
                : throw new PartitionException(ErrorCodes.UnknownDataset, $"dataset '{move.Dataset}' is not in this silo's contract v{contract.Version}");
            var path = catalog.IncomingPathOf(move.Dataset, move.Partition);
            await Task.Run(() => DeleteShardFiles(path));

            // 1. The image, in bounded, checksummed chunks.
            MoveImage image;
            TimeSpan finalFlush;
            using (Phase("copy"))
            {
                image = await source.BeginMoveOutAsync(move);
                Report(move, MovePhase.Copying, 0, image.Bytes, started);
                finalFlush = await CopyImageAsync(source, move, image, path, started);
                FailPoints.Hit("move.target_copied");
            }

            var copied = Stopwatch.GetTimestamp();

            // 2. Open the copy and check it holds what the source pinned.
            copy = await Task.Run(() => catalog.OpenIncoming(dataset, move.Partition));
            copy.Moving = true;
            var opened = copy;
            var fingerprint = await Task.Run(opened.Fingerprint);
            var checksum = await source.GetImageChecksumAsync(move.MoveId);
            if (opened.CommitSeq != image.Seq || fingerprint.Rows != image.Rows || fingerprint.Ledger != image.Ledger || fingerprint.Checksum != checksum)
            {
                throw new MoveFailedException("verify", $"the copied image holds commit {opened.CommitSeq}, {fingerprint.Rows} rows, {fingerprint.Ledger} ledger entries, checksum {fingerprint.Checksum}; "
                    + $"the source pinned commit {image.Seq}, {image.Rows} rows, {image.Ledger} entries, checksum {checksum}");
            }

            var verified = Stopwatch.GetTimestamp();

            // 3. Catch up while the source keeps accepting, until what is left is small.
            Report(move, MovePhase.CatchingUp, image.Bytes, image.Bytes, started);
            using (Phase("catch_up"))
            {
                for (var round = 0; round < MaxRoundsBeforeSeal; round++)
                {
                    if (await CatchUpAsync(source, move, opened) < SmallRemainderRows)
                    {
                        break;
                    }
                }
            }

            // 4. Seal, take the rest, verify, make the copy live, switch.
            // What was replayed goes into the file now, so the checkpoint after the seal is small.
            await Task.Run(opened.Checkpoint);
            FailPoints.Hit("move.target_caught_up");
            Report(move, MovePhase.Switching, image.Bytes, image.Bytes, started);
            var sealedAt = Stopwatch.GetTimestamp();
            using (Phase("switch"))
            {
                var seal = await source.SealForMoveAsync(move.MoveId)
                    ?? throw new MoveFailedException("seal", "the source could not stop its writes in time");
                while (opened.CommitSeq < seal.Seq)
                {
                    if (await CatchUpAsync(source, move, opened) == 0 && opened.CommitSeq < seal.Seq)
                    {
                        throw new MoveFailedException("catch_up", $"the source sealed at commit {seal.Seq} but its log ends at {opened.CommitSeq}");
                    }
                }

                // Counts only while writes are refused: the content was checked on the image, and
                // each replayed batch stored exactly what it stored on the source.
                var final = await Task.Run(opened.Counts);
                if (opened.CommitSeq != seal.Seq || final.Rows != seal.Rows || final.Ledger != seal.Ledger)
                {
                    throw new MoveFailedException("verify", $"the copy holds commit {opened.CommitSeq}, {final.Rows} rows, {final.Ledger} ledger entries; the source sealed at {seal.Seq}, {seal.Rows}, {seal.Ledger}");
                }

                await Task.Run(() => MakeLive(opened, path, move));
                copy = null;
                FailPoints.Hit("move.before_switch");
                switched = await store.SwitchAsync(move.Dataset, move.Partition, move.Source, seal.Epoch, move.Target);
                if (!switched)
                {
                    await Task.Run(() => catalog.Retire(move.Dataset, move.Partition));
                    throw new MoveFailedException("switch", "the source took its partition back before the switch (its seal timed out)");
                }

                FailPoints.Hit("move.after_switch");
                await source.EndMoveOutAsync(move.MoveId, switched: true);
            }

            var unavailable = Stopwatch.GetElapsedTime(sealedAt);
            metrics.Completed(move.Dataset, unavailable);
            _progress = new MoveProgress(move, MovePhase.Completed, image.Bytes, image.Bytes, null, unavailable.TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            LogMoveCompleted(move.MoveId, move.Dataset, move.Partition, move.Target, image.Bytes, Stopwatch.GetElapsedTime(started).TotalMilliseconds, unavailable.TotalMilliseconds);
            LogMoveTimings(move.MoveId, Stopwatch.GetElapsedTime(started, copied).TotalMilliseconds, finalFlush.TotalMilliseconds, Stopwatch.GetElapsedTime(copied, verified).TotalMilliseconds,
                Stopwatch.GetElapsedTime(verified, sealedAt).TotalMilliseconds, unavailable.TotalMilliseconds);

            // Open the shard here now, so the first write after the switch does not wait for it.
            await GrainFactory.GetGrain<IPartitionGrain>(PartitionKey.Format(move.Dataset, move.Partition)).GetStatsAsync();
        }
        catch (Exception e) when (!switched)
        {
            var step = e is MoveFailedException failed ? failed.Step : "error";
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            try
            {
                if (copy is not null)
                {
                    var closing = copy;
                    await Task.Run(closing.Dispose);
                }

                await Task.Run(() => DeleteShardFiles(catalog.IncomingPathOf(move.Dataset, move.Partition)));
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // A leftover incoming file is deleted by the next move of the partition here.
                LogEndFailed(cleanup, move.MoveId);
            }

            // Also when the begin call itself failed: it may have pinned the image after all.
            try
            {
                await source.EndMoveOutAsync(move.MoveId, switched: false);
            }
            catch (Exception end)
            {
                // The source abandons an idle move, and a sealed one takes its partition back, by itself.
                LogEndFailed(end, move.MoveId);
            }

            Fail(move, started, step, e.GetBaseException().Message);
        }
        catch (Exception e)
        {
            // After the switch the target owns the partition whatever else failed.
            LogAfterSwitch(e, move.MoveId);
        }
        finally
        {
            incoming.Remove(move.Dataset, move.Partition);
        }
    }

    // Returns how long the final flush to disk took.
    private async Task<TimeSpan> CopyImageAsync(IPartitionGrain source, PartitionMove move, MoveImage image, string path, long started)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);

        // A few chunks are requested ahead, so the link, the source's read and this write overlap;
        // memory stays at ChunksInFlight chunks, all pooled.
        var requested = new Queue<(long Offset, Task<ImageChunk> Chunk)>();
        long next = 0;
        long written = 0;
        var staging = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        var copying = Stopwatch.GetTimestamp();
        var pacer = new CopyPacer(rebalance.Value.MoveCopyMegabytesPerSecond);

        // The file is flushed in the background every FlushEvery bytes, so the disk writes while
        // chunks arrive instead of all at the final flush.
        Task flushing = Task.CompletedTask;
        long flushedAt = 0;
        try
        {
            while (written < image.Bytes)
            {
                while (requested.Count < ChunksInFlight && next < image.Bytes)
                {
                    if (pacer.DelayBefore(next, Stopwatch.GetElapsedTime(copying)) is { } due && due > TimeSpan.Zero)
                    {
                        await Task.Delay(due);
                    }

                    requested.Enqueue((next, source.ReadMoveChunkAsync(move.MoveId, next, ChunkBytes)));
                    next += Math.Min(ChunkBytes, image.Bytes - next);
                }

                var (offset, pending) = requested.Dequeue();
                var chunk = await pending;
                var length = chunk.Bytes.Length;
                try
                {
                    if (length == 0 || length != Math.Min(ChunkBytes, image.Bytes - offset))
                    {
                        throw new MoveFailedException("copy", $"the image chunk at byte {offset} arrived with {length} bytes");
                    }

                    // The received buffer is many small pooled segments: hash them, gather them
                    // into larger writes.
                    var hash = new System.IO.Hashing.XxHash64();
                    var at = offset;
                    var filled = 0;
                    foreach (var segment in chunk.Bytes.MemorySegments)
                    {
                        hash.Append(segment.Span);
                        var rest = segment;
                        while (!rest.IsEmpty)
                        {
                            var take = Math.Min(rest.Length, staging.Length - filled);
                            rest[..take].CopyTo(staging.AsMemory(filled));
                            filled += take;
                            rest = rest[take..];
                            if (filled == staging.Length)
                            {
                                await RandomAccess.WriteAsync(file, staging.AsMemory(0, filled), at);
                                at += filled;
                                filled = 0;
                            }
                        }
                    }

                    if (hash.GetCurrentHashAsUInt64() != chunk.Hash)
                    {
                        throw new MoveFailedException("copy", $"the image chunk at byte {offset} arrived corrupted");
                    }

                    await RandomAccess.WriteAsync(file, staging.AsMemory(0, filled), at);
                    written = at + filled;
                    if (written - flushedAt >= FlushEvery && flushing.IsCompleted)
                    {
                        flushedAt = written;
                        flushing = Task.Run(() => RandomAccess.FlushToDisk(file));
                    }

                    metrics.Copied(length);
                    Report(move, MovePhase.Copying, written, image.Bytes, started);
                }
                finally
                {
                    chunk.Bytes.Dispose();
                }
            }

            await flushing;
            var flush = Stopwatch.GetTimestamp();
            RandomAccess.FlushToDisk(file);
            return Stopwatch.GetElapsedTime(flush);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(staging);

            // Chunks already on their way are returned to the pool when they arrive.
            foreach (var (_, pending) in requested)
            {
                _ = pending.ContinueWith(t => t.Result.Bytes.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }
        }
    }

    // Replays the next groups of the source's log; returns the rows replayed.
    private static async Task<long> CatchUpAsync(IPartitionGrain source, PartitionMove move, Shard copy)
    {
        var groups = await source.PullMoveLogAsync(move.MoveId, copy.CommitSeq, 50_000);
        long rows = 0;
        foreach (var group in groups)
        {
            var commit = await Task.Run(() => copy.AppendGroup(group.Batches, new LogPosition(group.Seq, group.CommittedAt)));
            for (var i = 0; i < group.Batches.Length; i++)
            {
                if (commit.Outcomes[i].Receipt is not { Replayed: false } receipt || receipt.Accepted != group.Accepted[i])
                {
                    throw new MoveFailedException("catch_up", $"batch {group.Batches[i].BatchId} of commit {group.Seq} replayed differently on the copy than on the source");
                }
            }

            rows += group.Rows;
        }

        return rows;
    }

    // The verified copy becomes the partition's live shard file, durable before the switch names it.
    private void MakeLive(Shard copy, string incomingPath, PartitionMove move)
    {
        copy.Moving = false;
        copy.Checkpoint();
        copy.Dispose();
        catalog.Retire(move.Dataset, move.Partition);
        var live = catalog.PathOf(move.Dataset, move.Partition);
        Directory.CreateDirectory(Path.GetDirectoryName(live)!);
        if (File.Exists(incomingPath + ".wal"))
        {
            File.Move(incomingPath + ".wal", live + ".wal");
        }

        File.Move(incomingPath, live);
    }

    private static void DeleteShardFiles(string path)
    {
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
    }

    private void Report(PartitionMove move, MovePhase phase, long bytes, long total, long started) =>
        _progress = new MoveProgress(move, phase, bytes, total, null, 0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    private void Fail(PartitionMove move, long started, string step, string reason)
    {
        metrics.Failed(move.Dataset, step);
        _progress = (_progress ?? new MoveProgress(move, MovePhase.Failed, 0, 0, null, 0, 0)) with
        {
            Phase = MovePhase.Failed,
            Error = $"{step}: {reason}",
            ElapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
        LogMoveFailed(move.MoveId, move.Dataset, move.Partition, step, reason);
    }

    private static Activity? Phase(string name) => MallardTelemetry.Source.StartActivity("mallard.move." + name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Move {MoveId}: {Dataset}/{Partition} from ordinal {Source} to {Target} started")]
    private partial void LogMoveStarted(Guid moveId, string dataset, int partition, int source, int target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Move {MoveId}: {Dataset}/{Partition} now on ordinal {Target}: {Bytes} bytes in {ElapsedMs:F0} ms, writes refused for {UnavailableMs:F0} ms")]
    private partial void LogMoveCompleted(Guid moveId, string dataset, int partition, int target, long bytes, double elapsedMs, double unavailableMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Move {MoveId} phases: copy {CopyMs:F0} ms (final flush to disk {FlushMs:F0} ms), verify {VerifyMs:F0} ms, catch-up {CatchUpMs:F0} ms, switch {SwitchMs:F0} ms")]
    private partial void LogMoveTimings(Guid moveId, double copyMs, double flushMs, double verifyMs, double catchUpMs, double switchMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move {MoveId}: {Dataset}/{Partition} failed at {Step} and stays on its source: {Reason}")]
    private partial void LogMoveFailed(Guid moveId, string dataset, int partition, string step, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move {MoveId}: the source could not be told the move ended; its seal times out and it resumes")]
    private partial void LogEndFailed(Exception exception, Guid moveId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move {MoveId}: switched, but a step after the switch failed (the source retires when its seal times out)")]
    private partial void LogAfterSwitch(Exception exception, Guid moveId);
}

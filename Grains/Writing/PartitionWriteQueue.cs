using System.Diagnostics;
using Mallard.Partitions;

namespace Mallard.Grains.Writing;

/// <summary>
/// A partition's bounded write queue and its single writer. Appends queue up to
/// <c>maxQueuedRows</c> (one more is refused at once rather than queued without bound); the writer
/// takes everything waiting, up to <c>maxRowsPerCommit</c> rows, hands it to the commit delegate as
/// one group (one transaction), completes each caller with its own outcome, and repeats while work
/// is waiting. A group that fails as a whole fails each of its callers; the next group still runs.
/// While appends arrive concurrently (one came in while a group was committing or others were
/// waiting, within the last second), the writer lingers before taking a group, so that more of
/// them share one commit: a shard commit costs milliseconds whatever its size, and a request's
/// rows are spread over every partition, so without it each commit carries one request's slice.
/// It lingers as long as its recent commits took (a moving average), at most <c>linger</c>: where
/// commits are quick the CPU has room, and waiting would only add latency; where they are slow
/// (a saturated CPU, a slow disk) larger groups save the most. A lone sequential client never
/// waits. It knows nothing of Orleans or DuckDB, so its rules are tested without a cluster.
/// </summary>
public sealed class PartitionWriteQueue
{
    private static readonly TimeSpan ConcurrencyMemory = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private readonly Queue<PendingAppend> _pending = new();
    private readonly int _maxQueuedRows;
    private readonly int _maxRowsPerCommit;
    private readonly Func<IReadOnlyList<PendingAppend>, Task<IReadOnlyList<AppendOutcome>>> _commit;
    private readonly Func<Task> _beforeGroup;
    private readonly Func<Task> _afterGroup;
    private readonly Action<long> _queuedRowsChanged;
    private readonly TimeSpan _linger;
    private readonly Func<TimeSpan, Task> _delay;
    private readonly TimeProvider _time;
    private long _queuedRows;
    private bool _writing;
    private bool _committing;
    private long? _lastConcurrentArrival;
    private double _commitSecondsAverage;
    private TaskCompletionSource? _lingering;
    private long _generation;
    private Task _writer = Task.CompletedTask;

    /// <summary>Creates the queue.</summary>
    /// <param name="maxQueuedRows">Most rows waiting; a batch that would pass it is refused (unless the queue is empty).</param>
    /// <param name="maxRowsPerCommit">Most rows one group takes (a larger single batch is a group of its own).</param>
    /// <param name="commit">Commits one group; returns one outcome per batch, in order, or throws to fail them all.</param>
    /// <param name="beforeGroup">Awaited before each group is taken (the commit gate).</param>
    /// <param name="queuedRowsChanged">Told the number of waiting rows whenever it changes (the queue gauge).</param>
    /// <param name="linger">Longest wait for more appends before a group while appends arrive concurrently (the recent commit time when shorter); zero never waits.</param>
    /// <param name="delay">The wait itself (a test seam; <see cref="Task.Delay(TimeSpan)"/> otherwise).</param>
    /// <param name="time">The clock that times commits and arrivals (a test seam; the system's otherwise).</param>
    /// <param name="afterGroup">Awaited after a group's callers have their outcomes, before the next group (work no caller should wait for, such as a checkpoint); it reports its own failures (if it throws anyway, the writer goes on).</param>
    public PartitionWriteQueue(
        int maxQueuedRows,
        int maxRowsPerCommit,
        Func<IReadOnlyList<PendingAppend>, Task<IReadOnlyList<AppendOutcome>>> commit,
        Func<Task>? beforeGroup = null,
        Action<long>? queuedRowsChanged = null,
        TimeSpan linger = default,
        Func<TimeSpan, Task>? delay = null,
        TimeProvider? time = null,
        Func<Task>? afterGroup = null)
    {
        _time = time ?? TimeProvider.System;
        _linger = linger;
        _delay = delay ?? (wait => Task.Delay(wait));
        _maxQueuedRows = maxQueuedRows;
        _maxRowsPerCommit = maxRowsPerCommit;
        _commit = commit;
        _beforeGroup = beforeGroup ?? (() => Task.CompletedTask);
        _afterGroup = afterGroup ?? (() => Task.CompletedTask);
        _queuedRowsChanged = queuedRowsChanged ?? (_ => { });
    }

    /// <summary>Rows waiting for or in a commit.</summary>
    public long QueuedRows
    {
        get
        {
            lock (_sync)
            {
                return _queuedRows;
            }
        }
    }

    /// <summary>Completes when everything queued so far has been committed or failed.</summary>
    public Task Drained
    {
        get
        {
            lock (_sync)
            {
                return _writer;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="batch"/> and returns its receipt's task, or returns null when the
    /// queue is full (the caller refuses the batch: nothing was queued).
    /// </summary>
    public Task<PartitionReceipt>? TryEnqueue(RecordBatch batch, Activity? span = null)
    {
        var pending = new PendingAppend(batch, new TaskCompletionSource<PartitionReceipt>(TaskCreationOptions.RunContinuationsAsynchronously), span, _time.GetTimestamp());
        long queued;
        long generation = 0;
        TaskCompletionSource? filled = null;
        lock (_sync)
        {
            if (_queuedRows > 0 && _queuedRows + batch.RowCount > _maxQueuedRows)
            {
                return null;
            }

            if (_committing || _pending.Count > 0)
            {
                // Its caller did not wait for the running commit or the waiting appends: appends
                // arrive concurrently.
                _lastConcurrentArrival = pending.Enqueued;
            }

            _pending.Enqueue(pending);
            _queuedRows += batch.RowCount;
            queued = _queuedRows;

            if (_queuedRows >= _maxRowsPerCommit)
            {
                // A full group is waiting: a lingering writer need not wait any longer.
                filled = _lingering;
            }

            if (!_writing)
            {
                _writing = true;
                generation = ++_generation;
            }
        }

        filled?.TrySetResult();
        _queuedRowsChanged(queued);
        if (generation > 0)
        {
            var writer = WriteQueuedAsync();
            lock (_sync)
            {
                // A writer that finished at once may already have been followed by a newer one.
                if (_generation == generation)
                {
                    _writer = writer;
                }
            }
        }

        return pending.Completion.Task;
    }

    private async Task WriteQueuedAsync()
    {
        while (true)
        {
            lock (_sync)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }

            await LingerAsync();
            await _beforeGroup();
            var (group, rows) = TakeGroup();
            try
            {
                var started = _time.GetTimestamp();
                foreach (var pending in group)
                {
                    pending.Span?.SetTag("mallard.queue_wait_ms", _time.GetElapsedTime(pending.Enqueued, started).TotalMilliseconds);
                }

                var outcomes = await _commit(group);
                EndCommit(_time.GetElapsedTime(started));
                for (var i = 0; i < group.Count; i++)
                {
                    Complete(group[i], outcomes[i]);
                }
            }
            catch (Exception e)
            {
                EndCommit(null);
                foreach (var pending in group)
                {
                    Complete(pending, new AppendOutcome(null, e));
                }
            }
            finally
            {
                long queued;
                lock (_sync)
                {
                    _queuedRows -= rows;
                    queued = _queuedRows;
                }

                _queuedRowsChanged(queued);
                foreach (var pending in group)
                {
                    pending.Span?.Dispose();
                }
            }

            try
            {
                await _afterGroup();
            }
            catch (Exception)
            {
                // The step reports its own failures; one that throws anyway must not stop the
                // writer, or every later append would wait forever.
            }
        }
    }

    private async Task LingerAsync()
    {
        TaskCompletionSource lingering;
        TimeSpan linger;
        lock (_sync)
        {
            if (_linger <= TimeSpan.Zero || _queuedRows >= _maxRowsPerCommit
                || _lastConcurrentArrival is not { } arrival || _time.GetElapsedTime(arrival) > ConcurrencyMemory)
            {
                return;
            }

            lingering = _lingering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            linger = TimeSpan.FromSeconds(Math.Min(_linger.TotalSeconds, _commitSecondsAverage));
        }

        await Task.WhenAny(lingering.Task, _delay(linger));
        lock (_sync)
        {
            _lingering = null;
        }
    }

    // Before any caller of the group hears back: an append sent after an acknowledgement is sequential.
    private void EndCommit(TimeSpan? took)
    {
        lock (_sync)
        {
            _committing = false;
            if (took is { } duration)
            {
                // A fifth of the newest commit: follows a change within a few commits, and one
                // slow checkpoint does not triple the next linger.
                _commitSecondsAverage = _commitSecondsAverage == 0 ? duration.TotalSeconds : (0.8 * _commitSecondsAverage) + (0.2 * duration.TotalSeconds);
            }
        }
    }

    // Everything waiting, up to a commit's row limit; a first batch larger than the limit goes alone.
    private (List<PendingAppend> Group, long Rows) TakeGroup()
    {
        var group = new List<PendingAppend>();
        long rows = 0;
        lock (_sync)
        {
            while (_pending.Count > 0 && (group.Count == 0 || rows + _pending.Peek().Batch.RowCount <= _maxRowsPerCommit))
            {
                var next = _pending.Dequeue();
                group.Add(next);
                rows += next.Batch.RowCount;
            }

            _committing = true;
        }

        return (group, rows);
    }

    private static void Complete(PendingAppend pending, AppendOutcome outcome)
    {
        if (outcome.Receipt is { } receipt)
        {
            pending.Span?.SetTag("mallard.accepted", receipt.Accepted);
            pending.Span?.SetTag("mallard.duplicates", receipt.Duplicates);
            pending.Span?.SetTag("mallard.outcome", receipt.Replayed ? "replayed" : "committed");
            pending.Completion.TrySetResult(receipt);
            return;
        }

        var error = outcome.Error ?? new InvalidOperationException($"batch {pending.Batch.BatchId} got no outcome from its group commit");
        pending.Span?.SetTag("mallard.outcome", (error as PartitionException)?.Code ?? "failed");
        pending.Span?.SetStatus(ActivityStatusCode.Error, error.Message);
        pending.Completion.TrySetException(error);
    }
}

using System.Collections.Concurrent;
using Mallard.Grains.Writing;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Writing;

/// <summary>The write queue's rules, with a scripted commit delegate instead of a shard and no cluster.</summary>
public sealed class PartitionWriteQueueTests
{
    private readonly ConcurrentQueue<string[]> _groups = new();
    private readonly ConcurrentQueue<long> _gauge = new();
    private TaskCompletionSource _hold = Released();
    private (ManualClock Clock, TimeSpan Takes)? _commitTakes;   // how long each scripted commit takes on the test's clock

    [Fact]
    public async Task TryEnqueue_batches_arriving_while_a_commit_runs_share_the_next_group()
    {
        var queue = Queue();
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = queue.TryEnqueue(Batch("a", 10))!;
        var second = queue.TryEnqueue(Batch("b", 10))!;
        var third = queue.TryEnqueue(Batch("c", 10))!;

        _hold.SetResult();
        await Task.WhenAll(first, second, third);

        Assert.Equal([["a"], ["b", "c"]], _groups.ToArray());
        Assert.Equal(["a", "b", "c"], new[] { await first, await second, await third }.Select(r => r.BatchId));
    }

    [Fact]
    public async Task AfterGroup_runs_once_the_callers_have_their_receipts_and_the_next_group_waits_for_it()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Queue(afterGroup: async () =>
        {
            entered.TrySetResult();
            await release.Task;
        });
        var first = queue.TryEnqueue(Batch("a", 10))!;

        await entered.Task;
        Assert.Equal("a", (await first).BatchId);
        var second = queue.TryEnqueue(Batch("b", 10))!;
        var third = queue.TryEnqueue(Batch("c", 10))!;
        Assert.Equal([["a"]], _groups.ToArray());
        Assert.False(second.IsCompleted);

        release.SetResult();
        await Task.WhenAll(second, third);
        await queue.Drained;
        Assert.Equal([["a"], ["b", "c"]], _groups.ToArray());
    }

    [Fact]
    public async Task AfterGroup_that_throws_does_not_stop_the_writer()
    {
        var queue = Queue(afterGroup: () => throw new InvalidOperationException("checkpoint"));

        await queue.TryEnqueue(Batch("a", 10))!;
        await queue.Drained;
        var second = await queue.TryEnqueue(Batch("b", 10))!.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("b", second.BatchId);
        Assert.Equal([["a"], ["b"]], _groups.ToArray());
    }

    [Fact]
    public async Task TryEnqueue_over_the_row_limit_is_refused_and_queues_nothing()
    {
        var queue = Queue(maxQueuedRows: 100);
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = queue.TryEnqueue(Batch("a", 60))!;

        var refused = queue.TryEnqueue(Batch("b", 50));

        Assert.Null(refused);
        Assert.Equal(60, queue.QueuedRows);
        _hold.SetResult();
        await accepted;
        await queue.Drained;
        Assert.Equal([["a"]], _groups.ToArray());
        Assert.Equal(0, queue.QueuedRows);
    }

    [Fact]
    public async Task TryEnqueue_into_an_empty_queue_accepts_a_batch_larger_than_the_limit()
    {
        var queue = Queue(maxQueuedRows: 100);

        var receipt = await queue.TryEnqueue(Batch("big", 500))!;

        Assert.Equal(500, receipt.Accepted);
    }

    [Fact]
    public async Task Groups_are_cut_at_the_commit_row_limit_and_a_larger_batch_goes_alone()
    {
        var queue = Queue(maxRowsPerCommit: 100);
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = new[] { Batch("first", 1), Batch("a", 60), Batch("b", 60), Batch("c", 30), Batch("huge", 150), Batch("d", 1) }
            .Select(b => queue.TryEnqueue(b)!)
            .ToArray();

        _hold.SetResult();
        await Task.WhenAll(all);

        Assert.Equal([["first"], ["a"], ["b", "c"], ["huge"], ["d"]], _groups.ToArray());
    }

    [Fact]
    public async Task A_group_that_fails_fails_each_of_its_callers_and_the_next_group_still_commits()
    {
        var failing = true;
        var queue = new PartitionWriteQueue(1_000, 1_000, async group =>
        {
            await _hold.Task;
            _groups.Enqueue(group.Select(g => g.Batch.BatchId).ToArray());
            if (failing)
            {
                failing = false;
                throw new PartitionException(ErrorCodes.ShardWriteFailed, "disk full");
            }

            return group.Select(g => new AppendOutcome(Receipt(g.Batch), null)).ToArray();
        });
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = queue.TryEnqueue(Batch("a", 5))!;
        var b = queue.TryEnqueue(Batch("b", 5))!;
        var c = queue.TryEnqueue(Batch("c", 5))!;

        _hold.SetResult();

        Assert.Equal(ErrorCodes.ShardWriteFailed, (await Assert.ThrowsAsync<PartitionException>(() => a)).Code);
        Assert.Equal("b", (await b).BatchId);
        Assert.Equal("c", (await c).BatchId);
        Assert.Equal([["a"], ["b", "c"]], _groups.ToArray());
    }

    [Fact]
    public async Task Each_caller_gets_its_own_outcome_from_a_shared_group()
    {
        var queue = new PartitionWriteQueue(1_000, 1_000, async group =>
        {
            await _hold.Task;
            return group.Select(g => g.Batch.BatchId == "bad"
                ? new AppendOutcome(null, new PartitionException(ErrorCodes.BatchMismatch, "wrong shape"))
                : new AppendOutcome(Receipt(g.Batch), null)).ToArray();
        });
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = queue.TryEnqueue(Batch("first", 1))!;
        var good = queue.TryEnqueue(Batch("good", 3))!;
        var bad = queue.TryEnqueue(Batch("bad", 3))!;

        _hold.SetResult();

        Assert.Equal(3, (await good).Accepted);
        Assert.Equal(ErrorCodes.BatchMismatch, (await Assert.ThrowsAsync<PartitionException>(() => bad)).Code);
        await first;
    }

    [Fact]
    public async Task Drained_completes_only_after_every_queued_batch_and_the_gauge_returns_to_zero()
    {
        var queue = Queue();
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receipts = Enumerable.Range(0, 4).Select(i => queue.TryEnqueue(Batch($"b{i}", 25))!).ToArray();
        var drained = queue.Drained;

        Assert.False(drained.IsCompleted);
        _hold.SetResult();
        await drained;

        Assert.All(receipts, r => Assert.True(r.IsCompletedSuccessfully));
        Assert.Equal(100, _gauge.Max());
        Assert.Equal(0, _gauge.Last());
    }

    [Fact]
    public async Task Writer_waits_at_the_gate_before_taking_a_group()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new PartitionWriteQueue(1_000, 1_000, group => Task.FromResult<IReadOnlyList<AppendOutcome>>(group.Select(g => new AppendOutcome(Receipt(g.Batch), null)).ToArray()), () => gate.Task);
        var a = queue.TryEnqueue(Batch("a", 1))!;
        var b = queue.TryEnqueue(Batch("b", 1))!;

        Assert.False(a.IsCompleted);
        gate.SetResult();

        await Task.WhenAll(a, b);
    }

    [Fact]
    public async Task Linger_aLoneSequentialClient_neverWaits()
    {
        var lingers = 0;
        var queue = Queue(linger: TimeSpan.FromHours(1), delay: _ =>
        {
            lingers++;
            return new TaskCompletionSource().Task;
        });

        await queue.TryEnqueue(Batch("a", 10))!;
        await queue.TryEnqueue(Batch("b", 10))!;

        Assert.Equal(0, lingers);
        Assert.Equal([["a"], ["b"]], _groups.ToArray());
    }

    [Fact]
    public async Task Linger_afterAnAppendArrivedDuringACommit_theNextGroupWaits_andTakesWhatArrivedMeanwhile()
    {
        var lingerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lingerOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Queue(linger: TimeSpan.FromMilliseconds(40), delay: wait =>
        {
            lingerStarted.TrySetResult();
            return lingerOver.Task;
        });
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = queue.TryEnqueue(Batch("a", 10))!;
        var b = queue.TryEnqueue(Batch("b", 10))!;   // arrives while a's group is being written

        _hold.SetResult();
        await a;
        await lingerStarted.Task;
        var c = queue.TryEnqueue(Batch("c", 10))!;
        var d = queue.TryEnqueue(Batch("d", 10))!;
        Assert.False(b.IsCompleted);
        lingerOver.SetResult();
        await Task.WhenAll(b, c, d);

        Assert.Equal([["a"], ["b", "c", "d"]], _groups.ToArray());
    }

    [Fact]
    public async Task Linger_endsAsSoonAsAFullGroupIsWaiting()
    {
        var lingerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Queue(maxRowsPerCommit: 100, linger: TimeSpan.FromHours(1), delay: _ =>
        {
            lingerStarted.TrySetResult();
            return new TaskCompletionSource().Task;
        });
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = queue.TryEnqueue(Batch("a", 10))!;
        var b = queue.TryEnqueue(Batch("b", 10))!;
        _hold.SetResult();
        await lingerStarted.Task;

        var c = queue.TryEnqueue(Batch("c", 90))!;   // b and c fill a commit
        await Task.WhenAll(a, b, c);

        Assert.Equal([["a"], ["b", "c"]], _groups.ToArray());
    }

    [Theory]
    [InlineData(12, 12)]   // quick commits: linger no longer than one takes
    [InlineData(100, 40)]  // slow commits: the configured linger is the most
    public async Task Linger_lastsAsLongAsTheRecentCommits_atMostTheConfiguredLinger(int commitMs, int lingerMs)
    {
        var lingers = new ConcurrentQueue<TimeSpan>();
        var lingerOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        _commitTakes = (clock, TimeSpan.FromMilliseconds(commitMs));
        var queue = Queue(linger: TimeSpan.FromMilliseconds(40), time: clock, delay: wait =>
        {
            lingers.Enqueue(wait);
            return lingerOver.Task;
        });
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = queue.TryEnqueue(Batch("a", 10))!;
        var b = queue.TryEnqueue(Batch("b", 10))!;   // arrives while a's group is being written

        _hold.SetResult();
        await a;
        lingerOver.SetResult();
        await b;

        Assert.Equal([TimeSpan.FromMilliseconds(lingerMs)], lingers.ToArray());
    }

    private PartitionWriteQueue Queue(int maxQueuedRows = 1_000, int maxRowsPerCommit = 1_000, TimeSpan linger = default, Func<TimeSpan, Task>? delay = null, TimeProvider? time = null, Func<Task>? afterGroup = null) =>
        new(maxQueuedRows, maxRowsPerCommit, async group =>
        {
            await _hold.Task;
            if (_commitTakes is var (clock, takes))
            {
                clock.Advance(takes);
            }

            _groups.Enqueue(group.Select(g => g.Batch.BatchId).ToArray());
            return group.Select(g => new AppendOutcome(Receipt(g.Batch), null)).ToArray();
        }, queuedRowsChanged: _gauge.Enqueue, linger: linger, delay: delay, time: time, afterGroup: afterGroup);

    private static RecordBatch Batch(string id, int rows) => Batches.Events(id, 0, rows);

    private static PartitionReceipt Receipt(RecordBatch batch) =>
        new(batch.BatchId, 0, batch.RowCount, DateTimeOffset.UtcNow, Replayed: false, 0, []);

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource();
        released.SetResult();
        return released;
    }
}

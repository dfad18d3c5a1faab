using DuckDB.NET.Data;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Querying;

/// <summary>Readers share the shard's DuckDB instance and memory with the writer: queries are bounded, and the write comes first.</summary>
public sealed class ShardMemoryContentionTests
{
    private static readonly ContractStamp Stamp = new(1, ItemsShards.Items.Hash);

    // count(k) runs in DuckDB (an unfiltered count(*) is answered from the committed row count).
    private static readonly PartitionQuery Count = new("items", [], [], [], [new QueryAggregate(AggregateFunction.Count, "k", "n")], [], 1, Stamp);

    // One group per row of 64-character strings: a hash table of about 100 MiB here.
    private static readonly PartitionQuery GroupByEveryValue = new("items", [], [], ["v"], [new QueryAggregate(AggregateFunction.Count, null, "n")], [], 10_000_000, Stamp);

    [Fact]
    public async Task AppendGroup_runningOutOfMemoryWhileAQueryHoldsIt_interruptsTheQuery_andCommits()
    {
        using var data = new TempDirectory("mallard-memory");
        // Spilling bounded to 1 MiB, so the query's groups cannot leave memory.
        var options = new ShardOptions { DataDirectory = data.Path, MemoryLimitMb = 1024, MemoryBudgetMb = 1024, TempDirectoryLimitMb = 1 };
        using var shard = new ShardCatalog(Options.Create(options), ItemsShards.Parsed).Open(ItemsShards.Items, 0);
        using var side = new DuckDBConnection($"Data Source={shard.Path};storage_compatibility_version=latest");
        side.Open();
        Execute(side, "INSERT INTO items SELECT i::INTEGER, md5(i::VARCHAR) || md5(i::VARCHAR), TIMESTAMP '2026-01-01' + to_microseconds(i) FROM range(1000000) t(i)");

        var holding = new TaskCompletionSource();
        shard.AfterFirstQueryRow = preempted =>
        {
            holding.TrySetResult();
            SpinWait.SpinUntil(preempted, TimeSpan.FromSeconds(60));
        };
        var query = Task.Run(() => shard.Query(GroupByEveryValue));
        await Task.WhenAny(holding.Task, query).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.False(query.IsCompleted, query.Exception?.GetBaseException().Message);

        // The lowest limit DuckDB accepts while the query holds its groups: too little is left for the write.
        var limit = (int)(MemoryUsed(side) / 1048576);
        while (limit > 16 && shard.SetMemoryLimit(limit - 4))
        {
            limit -= 4;
        }

        var commit = shard.AppendGroup([ItemsShards.Batch(Enumerable.Range(2_000_000, 200_000))]);

        Assert.Equal(1, commit.QueriesPreempted);
        Assert.Equal(200_000, commit.Outcomes[0].Receipt!.Accepted);
        var refusal = await Assert.ThrowsAsync<PartitionException>(() => query);
        Assert.Equal(ErrorCodes.QueryPreempted, refusal.Code);
        Assert.Equal(ErrorCatalog.Describe(ErrorCodes.QueryPreempted), ErrorCatalog.Describe(refusal.Code));
        Assert.True(ErrorCatalog.Describe(refusal.Code).Retryable);
        shard.AfterFirstQueryRow = null;
        Assert.Equal(1_200_000L, shard.Query(Count).Vectors[0].GetValue(0));
    }

    [Fact]
    public async Task QueryAsync_beyondMaxConcurrentQueries_waitsForASlot_andATimeoutWhileWaitingNeverRuns()
    {
        using var data = new TempDirectory("mallard-query-slots");
        var options = new ShardOptions { DataDirectory = data.Path, MaxConcurrentQueries = 1 };
        using var shard = new ShardCatalog(Options.Create(options), ItemsShards.Parsed).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch(Enumerable.Range(0, 10)));

        using var release = new ManualResetEventSlim();
        var started = 0;
        var holding = new TaskCompletionSource();
        shard.AfterFirstQueryRow = _ =>
        {
            Interlocked.Increment(ref started);
            holding.TrySetResult();
            release.Wait(TimeSpan.FromSeconds(60));
        };
        var first = shard.QueryAsync(Count);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var waiting = await Assert.ThrowsAsync<PartitionException>(() => shard.QueryAsync(Count, deadline.Token));
        Assert.Equal(ErrorCodes.QueryTimeout, waiting.Code);
        Assert.Equal(1, Volatile.Read(ref started));

        var queued = shard.QueryAsync(Count);
        Assert.False(queued.IsCompleted);
        release.Set();
        Assert.Equal(10L, (await first).Vectors[0].GetValue(0));
        Assert.Equal(10L, (await queued.WaitAsync(TimeSpan.FromSeconds(30))).Vectors[0].GetValue(0));
        Assert.Equal(2, Volatile.Read(ref started));
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long MemoryUsed(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sum(memory_usage_bytes)::BIGINT FROM duckdb_memory()";
        return (long)command.ExecuteScalar()!;
    }
}

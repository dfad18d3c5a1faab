using System.Diagnostics;
using DuckDB.NET.Data;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Querying;

/// <summary>A cancelled query is interrupted inside DuckDB, and its reader serves the next query.</summary>
public sealed class ShardQueryCancellationTests
{
    [Fact]
    public void Query_cancelledWhileDuckDbWorks_isInterrupted_asQueryTimeout_andTheShardServesTheNextQuery()
    {
        using var data = new TempDirectory("mallard-cancel");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        using (var connection = new DuckDBConnection($"Data Source={shard.Path};storage_compatibility_version=latest"))
        {
            connection.Open();
            using var fill = connection.CreateCommand();
            fill.CommandText = "INSERT INTO items SELECT i::INTEGER, md5(i::VARCHAR), TIMESTAMP '2026-01-01' + to_microseconds(i) FROM range(3000000) t(i)";
            fill.ExecuteNonQuery();
        }

        // Three million groups of a 32-character string: seconds of DuckDB work on this machine.
        var heavy = new PartitionQuery("items", [], [], ["v"], [new QueryAggregate(AggregateFunction.Count, null, "n")], [new QueryOrder("n", true)], 10, new ContractStamp(1, ItemsShards.Items.Hash));
        // Left alone, DuckDB builds all the groups, then the partition's group limit refuses them.
        var uninterrupted = Stopwatch.StartNew();
        Assert.Equal(ErrorCodes.TooManyGroups, Assert.Throws<PartitionException>(() => shard.Query(heavy)).Code);
        uninterrupted.Stop();

        // Cancelled from a thread of its own, not a timer: on a saturated machine the thread
        // pool ran the timer's callback only after the query had finished (CI).
        using var cancel = new CancellationTokenSource();
        var canceller = new Thread(() =>
        {
            Thread.Sleep(50);
            cancel.Cancel();
        }) { IsBackground = true };
        var interrupted = Stopwatch.StartNew();
        canceller.Start();
        var refusal = Assert.Throws<PartitionException>(() => shard.Query(heavy, cancel.Token));
        interrupted.Stop();
        canceller.Join();

        // Stopped inside DuckDB's aggregation, not by the read loop after DuckDB had finished.
        Assert.Equal(ErrorCodes.QueryTimeout, refusal.Code);
        Assert.True(shard.QueriesInterruptedInDuckDb == 1, $"not interrupted inside DuckDB: it stopped after {interrupted.Elapsed}; the whole query takes {uninterrupted.Elapsed}");
        var count = shard.Query(new PartitionQuery("items", [], [], [], [new QueryAggregate(AggregateFunction.Count, null, "n")], [], 1, new ContractStamp(1, ItemsShards.Items.Hash)));
        Assert.Equal(3_000_000L, count.Vectors[0].GetValue(0));
    }
}

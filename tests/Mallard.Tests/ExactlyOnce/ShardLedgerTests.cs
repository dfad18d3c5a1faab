using DuckDB.NET.Data;
using Mallard.Grains.Shards;
using Mallard.Tests.Support;

namespace Mallard.Tests.ExactlyOnce;

/// <summary>The batch ledger's retention: an expired key is new again, and a prune that fails never undoes a commit.</summary>
public sealed class ShardLedgerTests
{
    [Fact]
    public void AppendGroup_keyReusedAfterRetentionBeforeThePrune_isANewBatch_andTheGroupCommits()
    {
        using var data = new TempDirectory("mallard-ledger");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);

        // Committed two days ago (a replayed log position carries its commit time), with a
        // 24 h retention: expired, but still in the ledger until the next hourly prune.
        shard.AppendGroup([ItemsShards.Batch([1, 2], id: "reused")], new LogPosition(1, DateTime.UtcNow.AddDays(-2)));

        var commit = shard.AppendGroup([ItemsShards.Batch([3, 4, 5], id: "reused", body: "new body"), ItemsShards.Batch([6], id: "unrelated")]);

        Assert.All(commit.Outcomes, o => Assert.Null(o.Error));
        Assert.Equal(3, commit.Outcomes[0].Receipt!.Accepted);
        Assert.False(commit.Outcomes[0].Receipt!.Replayed);
        Assert.Equal(1, commit.Outcomes[1].Receipt!.Accepted);
        Assert.Equal((6L, 2L), shard.Counts());
        Assert.Equal(3, shard.FindBatch("reused")!.Receipt.Accepted);
    }

    [Fact]
    public void AppendGroup_whenThePruneAfterTheCommitFails_reportsTheBatchesCommitted_andPrunesAgainWithinTheHour()
    {
        using var data = new TempDirectory("mallard-ledger");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.AppendGroup([ItemsShards.Batch([1], id: "old")], new LogPosition(1, DateTime.UtcNow.AddDays(-2)));
        var prunes = 0;
        shard.BeforeLedgerPrune = () =>
        {
            if (++prunes == 1)
            {
                // A real DuckDB error, as a failing DELETE would raise.
                using var connection = new DuckDBConnection("Data Source=:memory:");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT * FROM ledger_that_is_not_there";
                command.ExecuteNonQuery();
            }
        };

        var failed = shard.AppendGroup([ItemsShards.Batch([2], id: "first")]);

        Assert.Null(failed.Outcomes[0].Error);
        Assert.Equal(1, failed.Outcomes[0].Receipt!.Accepted);
        Assert.Contains("ledger_that_is_not_there", failed.LedgerPruneFailure, StringComparison.Ordinal);
        Assert.Equal((2L, 2L), shard.Counts());

        // The retry is due a minute after the failure, not an hour: a commit now does not prune
        // yet, one committed two minutes later (its commit time carried by a log position) does.
        var next = shard.AppendGroup([ItemsShards.Batch([3], id: "second")]);
        Assert.Null(next.LedgerPruneFailure);
        Assert.Equal(1, prunes);

        var later = shard.AppendGroup([ItemsShards.Batch([4], id: "third")], new LogPosition(next.Seq + 1, DateTime.UtcNow.AddMinutes(2)));
        Assert.Null(later.LedgerPruneFailure);
        Assert.Equal(2, prunes);
        Assert.Null(shard.FindBatch("old"));
        Assert.Equal((4L, 3L), shard.Counts());
    }
}

using DuckDB.NET.Data;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.ExactlyOnce;

/// <summary>
/// The batch ledger: an expired key is new again, a prune that fails never undoes a commit, a
/// reused id is refused also when the group did not look it up, and the position outlives the
/// entries that carried it.
/// </summary>
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

    [Fact]
    public void AppendGroup_batchIdReusedForABodyOfNewKeys_isRefusedAsReused_theOtherBatchCommits()
    {
        using var data = new TempDirectory("mallard-ledger");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch([1, 2], id: "a"));

        // None of its keys is stored, so the group skips the ledger lookup; the ledger's primary
        // key refuses the id, and the group is written again, looking it up.
        var commit = shard.AppendGroup([ItemsShards.Batch([7, 8], id: "a", body: "another body"), ItemsShards.Batch([9], id: "b")]);

        Assert.Equal(ErrorCodes.IdempotencyKeyReused, Assert.IsType<PartitionException>(commit.Outcomes[0].Error).Code);
        Assert.Equal(1, commit.Outcomes[1].Receipt!.Accepted);
        Assert.Equal(1, shard.LedgerConflicts);
        Assert.Equal((3L, 2L), shard.Counts());
        Assert.Equal(2, shard.FindBatch("a")!.Receipt.Accepted);
    }

    [Fact]
    public void AppendGroup_retriedWithItsKeysStored_replaysFromTheLedger_withoutAConflict()
    {
        using var data = new TempDirectory("mallard-ledger");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        var first = shard.Append(ItemsShards.Batch([1, 2], id: "a"));

        var retried = shard.Append(ItemsShards.Batch([1, 2], id: "a"));

        Assert.True(retried.Replayed);
        Assert.Equal(first.Accepted, retried.Accepted);
        Assert.Equal(0, shard.LedgerConflicts);
        Assert.Equal((2L, 1L), shard.Counts());
    }

    [Fact]
    public void Open_afterAPruneDeletedEveryEntry_continuesTheCommitSequence()
    {
        using var data = new TempDirectory("mallard-ledger");
        var catalog = ItemsShards.Catalog(data.Path);
        var shard = catalog.Open(ItemsShards.Items, 0);
        shard.AppendGroup([ItemsShards.Batch([1], id: "old")], new LogPosition(1, DateTime.UtcNow.AddDays(-3)));
        shard.AppendGroup([ItemsShards.Batch([2], id: "older")], new LogPosition(2, DateTime.UtcNow.AddDays(-2)));

        // A group that writes nothing still prunes when due: both entries are past retention.
        var replayOnly = shard.AppendGroup([]);
        Assert.Equal(0, replayOnly.Seq);
        Assert.Null(shard.FindBatch("older"));
        Assert.Equal((2L, 0L), shard.Counts());
        shard.Dispose();

        using var reopened = catalog.Open(ItemsShards.Items, 0);
        Assert.Equal(2, reopened.CommitSeq);
        Assert.Equal(3, reopened.AppendGroup([ItemsShards.Batch([3], id: "next")]).Seq);
    }
}

using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Moves;

/// <summary>
/// The shard side of a move without a cluster: a pinned image copied byte by byte while writes go
/// on, plus the groups committed since replayed at their positions, ends in the source's state;
/// a sealed shard commits nothing.
/// </summary>
public sealed class ShardMoveTests
{
    private static readonly DatasetDefinition Items = ItemsShards.Items;

    [Fact]
    public void PinnedImage_copiedWhileWritesGoOn_plusReplayedLog_equalsTheSource()
    {
        using var sourceData = new TempDirectory("mallard-move-source");
        using var targetData = new TempDirectory("mallard-move-target");
        var sourceCatalog = Catalog(sourceData.Path);
        var targetCatalog = Catalog(targetData.Path);
        using var source = sourceCatalog.Open(Items, 0);
        for (var b = 0; b < 20; b++)
        {
            source.Append(Batch(Enumerable.Range(b * 100, 100)));
        }

        using var image = source.PinImage();
        Assert.Equal(20, image.Seq);
        var before = source.Fingerprint();
        Assert.Equal((2000L, 20L), (before.Rows, before.Ledger));

        // Writes after the pin, including one bulk enough to be written straight to the file: they
        // must not change the image, and they are what the log replays.
        var later = new List<(GroupCommit Commit, RecordBatch[] Batches)>();
        for (var b = 20; b < 26; b++)
        {
            RecordBatch[] group = [Batch(Enumerable.Range(b * 100, 100)), Batch(Enumerable.Range(b * 100 + 50, 100))];
            later.Add((source.AppendGroup(group), group));
        }

        RecordBatch[] bulk = [Batch(Enumerable.Range(100_000, 150_000))];
        later.Add((source.AppendGroup(bulk), bulk));

        var path = targetCatalog.IncomingPathOf("items", 0);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.Create(path))
        {
            for (long offset = 0; offset < image.Bytes; offset += 64 * 1024)
            {
                var (chunk, hash) = source.ReadImage(offset, 64 * 1024, image.Bytes);
                var bytes = chunk.ToArray();
                chunk.Dispose();
                Assert.Equal(System.IO.Hashing.XxHash64.HashToUInt64(bytes), hash);
                file.Write(bytes);
            }
        }

        source.ReleaseImage();
        Assert.Equal(before, image.Fingerprint());
        using var copy = targetCatalog.OpenIncoming(Items, 0);
        Assert.Equal(image.Seq, copy.CommitSeq);
        Assert.Equal(before, copy.Fingerprint());

        foreach (var (commit, batches) in later)
        {
            var replay = copy.AppendGroup(batches, new LogPosition(commit.Seq, commit.CommittedAt));
            Assert.Equal(commit.Seq, replay.Seq);
            Assert.Equal(commit.Outcomes.Select(o => o.Receipt!.Accepted), replay.Outcomes.Select(o => o.Receipt!.Accepted));
        }

        Assert.Equal(source.CommitSeq, copy.CommitSeq);
        Assert.Equal(source.Fingerprint(), copy.Fingerprint());

        // A batch retried after the move is replayed from the copy's ledger, not written twice.
        var retried = copy.Append(later[0].Batches[0]);
        Assert.True(retried.Replayed);
    }

    [Fact]
    public void AppendGroup_replayedOutOfOrder_isRefused_andTheShardIsUnchanged()
    {
        using var data = new TempDirectory("mallard-move-gap");
        using var shard = Catalog(data.Path).Open(Items, 0);
        shard.Append(Batch(Enumerable.Range(0, 10)));

        var error = Assert.Throws<PartitionException>(() => shard.AppendGroup([Batch(Enumerable.Range(10, 10))], new LogPosition(5, DateTime.UtcNow)));

        Assert.Contains("gap", error.Message);
        Assert.Equal((10L, 1L), (shard.Fingerprint().Rows, shard.CommitSeq));
    }

    [Fact]
    public void Seal_stopsEveryLaterCommit_untilUnsealed()
    {
        using var data = new TempDirectory("mallard-move-seal");
        using var shard = Catalog(data.Path).Open(Items, 0);
        shard.Append(Batch(Enumerable.Range(0, 10)));

        var sealedState = shard.Seal(new PartitionException(ErrorCodes.PartitionMoving, "moving"), TimeSpan.FromSeconds(1));

        Assert.Equal(new SealedState(1, 10, 1), sealedState);
        var refused = Assert.Throws<PartitionException>(() => shard.Append(Batch(Enumerable.Range(10, 10))));
        Assert.Equal(ErrorCodes.PartitionMoving, refused.Code);
        Assert.Equal(10, shard.Fingerprint().Rows);

        shard.Unseal();
        Assert.Equal(10, shard.Append(Batch(Enumerable.Range(10, 10))).Accepted);
    }

    [Fact]
    public void Open_aShardFromBeforeTheCommitSequence_startsAtPositionZero_andCountsOn()
    {
        using var data = new TempDirectory("mallard-move-legacy");
        var catalog = Catalog(data.Path);
        using (var shard = catalog.Open(Items, 0))
        {
            shard.Append(Batch(Enumerable.Range(0, 10)));
        }

        // As an earlier Mallard left it: no position table, no commit_seq in the ledger.
        using (var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={catalog.PathOf("items", 0)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE _mallard_position; ALTER TABLE _mallard_batches DROP COLUMN commit_seq";
            command.ExecuteNonQuery();
        }

        using var reopened = catalog.Open(Items, 0);
        Assert.Equal(0, reopened.CommitSeq);
        Assert.True(reopened.Append(Batch(Enumerable.Range(0, 10))).Replayed);
        Assert.Equal(10, reopened.Append(Batch(Enumerable.Range(10, 10))).Accepted);
        Assert.Equal(1, reopened.CommitSeq);
    }

    private static ShardCatalog Catalog(string folder) => ItemsShards.Catalog(folder);

    private static RecordBatch Batch(IEnumerable<int> keys) => ItemsShards.Batch(keys);
}

using Mallard.Grains.Shards;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Writing;

/// <summary>
/// A shard leaves checkpoints to its partition's writer, between commits: a commit that takes the
/// WAL past <c>CheckpointWalMb</c> does not fold it (DuckDB's own threshold is four times higher),
/// <see cref="Shard.CheckpointIfDue"/> does, and a shard pinned for a move does not checkpoint.
/// </summary>
public sealed class ShardCheckpointTests
{
    private const int WalMb = 1;

    [Fact]
    public void CheckpointIfDue_walPastTheSetSize_foldsItIntoTheFile_afterCommitsLeftItThere()
    {
        using var data = new TempDirectory("mallard-checkpoint");
        using var shard = Catalog(data.Path).Open(ItemsShards.Items, 0);
        Assert.Equal((false, null), shard.CheckpointIfDue());

        var rows = AppendUntilDue(shard, 0);

        Assert.True(WalBytes(shard) >= WalMb << 20);
        Assert.Equal((true, null), shard.CheckpointIfDue());
        Assert.False(shard.CheckpointDue);
        Assert.True(WalBytes(shard) < WalMb << 20);
        Assert.Equal(rows, shard.Stats().Rows);
    }

    [Fact]
    public void CheckpointIfDue_whileAnImageIsPinnedForAMove_doesNothing_untilItIsReleased()
    {
        using var data = new TempDirectory("mallard-checkpoint");
        using var shard = Catalog(data.Path).Open(ItemsShards.Items, 0);
        var image = shard.PinImage();
        var imageBytes = new FileInfo(shard.Path).Length;
        try
        {
            var rows = 0;
            while (WalBytes(shard) < 2L * WalMb << 20)
            {
                shard.Append(ItemsShards.Batch(Enumerable.Range(rows, 5_000)));
                rows += 5_000;
            }

            Assert.False(shard.CheckpointDue);
            Assert.Equal((false, null), shard.CheckpointIfDue());
            Assert.Equal(imageBytes, new FileInfo(shard.Path).Length);
        }
        finally
        {
            image.Dispose();
            shard.ReleaseImage();
        }

        Assert.True(shard.CheckpointDue);
        Assert.Equal((true, null), shard.CheckpointIfDue());
    }

    private static int AppendUntilDue(Shard shard, int firstKey)
    {
        var key = firstKey;
        while (!shard.CheckpointDue)
        {
            Assert.True(key < 2_000_000, "the WAL never grew past the checkpoint size");
            shard.Append(ItemsShards.Batch(Enumerable.Range(key, 5_000)));
            key += 5_000;
        }

        return key - firstKey;
    }

    private static long WalBytes(Shard shard) => File.Exists(shard.Path + ".wal") ? new FileInfo(shard.Path + ".wal").Length : 0;

    private static ShardCatalog Catalog(string folder) =>
        new(Options.Create(new ShardOptions { DataDirectory = folder, CheckpointWalMb = WalMb }), ItemsShards.Parsed);
}

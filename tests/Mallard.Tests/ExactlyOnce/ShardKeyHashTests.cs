using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.ExactlyOnce;

/// <summary>
/// Exact dedup over a shard's whole history with the stored-key index: a hash is only a candidate,
/// the stored rows decide; the index is rebuilt from the rows at open, its older keys in runs on disk; shards written with the former
/// unique key index upgrade in place.
/// </summary>
public sealed class ShardKeyHashTests
{
    [Fact]
    public void Open_afterRestart_refusesEveryKeyStoredBefore()
    {
        using var data = new TempDirectory("mallard-keyhash");
        // More keys than one read chunk of the rebuild (16,384).
        var keys = Enumerable.Range(0, 40_000).ToArray();
        using (var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0))
        {
            foreach (var chunk in keys.Chunk(10_000))
            {
                shard.Append(ItemsShards.Batch(chunk));
            }
        }

        using (var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0))
        {
            Assert.Equal(40_000, shard.StoredKeyHashes!.Count);
            var again = shard.Append(ItemsShards.Batch([39_999, 40_000, 0, 40_001, 20_000], id: "again"));

            Assert.Equal((2, 3), (again.Accepted, again.Duplicates));
            Assert.Equal([0, 2, 4], again.DuplicateIndexes);
            Assert.Equal(40_002, CountRows(shard));
        }
    }

    [Fact]
    public void Append_newKeyWhoseHashIsAlreadyInTheSet_isStored()
    {
        using var data = new TempDirectory("mallard-keyhash");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch([1, 2]));
        var batch = ItemsShards.Batch([3, 4, 1]);
        // Stand-in for another stored key with the same 64-bit hash as key 3.
        shard.StoredKeyHashes!.Add(RecordKey.Hash([batch.Columns[0]], 0));

        var receipt = shard.Append(batch);

        Assert.Equal((2, 1), (receipt.Accepted, receipt.Duplicates));
        Assert.Equal([2], receipt.DuplicateIndexes);
        Assert.Equal(4, CountRows(shard));
    }

    [Fact]
    public void AppendGroup_sameKeyInTwoBatchesOfOneGroup_isStoredOnce_forTheFirst()
    {
        using var data = new TempDirectory("mallard-keyhash");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);

        var commit = shard.AppendGroup([ItemsShards.Batch([1, 2], id: "a"), ItemsShards.Batch([2, 3], id: "b")]);

        Assert.Equal((2, 0), (commit.Outcomes[0].Receipt!.Accepted, commit.Outcomes[0].Receipt!.Duplicates));
        Assert.Equal((1, 1), (commit.Outcomes[1].Receipt!.Accepted, commit.Outcomes[1].Receipt!.Duplicates));
        Assert.Equal(3, CountRows(shard));
    }

    [Fact]
    public void Open_shardWrittenWithTheFormerUniqueKeyIndex_dropsTheIndex_andStillRefusesStoredKeys()
    {
        using var data = new TempDirectory("mallard-keyhash");
        var path = StoreAndClose(data.Path, [1, 2, 3]);

        // What every shard written before the key-hash set carries.
        Execute(path, "CREATE UNIQUE INDEX _mallard_key ON items (k)");
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM duckdb_indexes() WHERE index_name = '_mallard_key'"));

        using (var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0))
        {
            var receipt = shard.Append(ItemsShards.Batch([3, 4], id: "after-upgrade"));

            Assert.Equal((1, 1), (receipt.Accepted, receipt.Duplicates));
            Assert.Equal(4, CountRows(shard));
        }

        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM duckdb_indexes()"));
    }

    [Fact]
    public void Open_shardHoldingAKeyTwice_isRefusedWithDuplicateKeys_namingTheKey()
    {
        using var data = new TempDirectory("mallard-keyhash");
        var path = StoreAndClose(data.Path, [1, 2, 3]);

        Execute(path, "INSERT INTO items SELECT * FROM items WHERE k = 2");

        var reopened = ItemsShards.Catalog(data.Path);
        var refused = Assert.Throws<PartitionException>(() => reopened.Open(ItemsShards.Items, 0));

        Assert.Equal(ErrorCodes.DuplicateKeys, refused.Code);
        Assert.Contains("key 2 is stored more than once", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_keysWrittenOutToRunsOnDisk_areStillRefused_acrossARestart_andPointLookupsReadTheirRow()
    {
        using var data = new TempDirectory("mallard-keyhash");
        // A 1 MiB index: its newest keys are written out every 12,288 or so.
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path, KeyIndexMb = 1 }), ItemsShards.Parsed);
        using (var shard = catalog.Open(ItemsShards.Items, 0))
        {
            foreach (var chunk in Enumerable.Range(0, 60_000).Chunk(5_000))
            {
                shard.Append(ItemsShards.Batch(chunk, id: $"c{chunk[0]}"));
                shard.WriteKeyRunIfDue();
            }

            Assert.True(shard.StoredKeyHashes!.RunCount >= 5, $"{shard.StoredKeyHashes.RunCount} runs");
            Assert.True(Directory.GetFiles(Shard.KeyIndexPath(shard.Path)).Length >= 5);
            var again = shard.Append(ItemsShards.Batch([7, 60_000, 31_000, 59_999], id: "again"));
            Assert.Equal([0, 2, 3], again.DuplicateIndexes);
        }

        Assert.False(Directory.Exists(Shard.KeyIndexPath(Path.Combine(data.Path, "shards", "items", "0.duckdb"))));
        using (var shard = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path, KeyIndexMb = 1 }), ItemsShards.Parsed).Open(ItemsShards.Items, 0))
        {
            Assert.True(shard.StoredKeyHashes!.RunCount >= 4);
            var again = shard.Append(ItemsShards.Batch([3, 60_001, 45_678], id: "after-restart"));

            Assert.Equal([0, 2], again.DuplicateIndexes);
            Assert.Equal(60_002, CountRows(shard));
            var found = await shard.QueryAsync(Querying.StoredKeyLookupTests.Lookup(FilterOperator.Eq, 1_234));
            Assert.Equal([1_234], found.Vectors[0].Int32s!.ToArray());
            Assert.Equal((1, 0), (shard.RowHintQueries, shard.RowHintMisses));
        }
    }

    // Writes the keys into a new shard and closes it; returns the shard's file.
    private static string StoreAndClose(string folder, int[] keys)
    {
        using var shard = ItemsShards.Catalog(folder).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch(keys));
        return shard.Path;
    }

    private static long CountRows(Shard shard) => shard.Stats().Rows;

    private static void Execute(string path, string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(string path, string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

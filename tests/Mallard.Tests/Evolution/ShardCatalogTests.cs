using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Evolution;

public sealed class ShardCatalogTests
{
    [Fact]
    public void Open_shards_share_the_silo_memory_budget_and_get_it_back_when_others_close()
    {
        using var data = new TempDirectory("mallard-budget");
        var contract = ContractLoader.Parse(Batches.EventsContract.Replace("partitions: 2", "partitions: 4", StringComparison.Ordinal), "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path, MemoryLimitMb = 256, MemoryBudgetMb = 300 }), contract);
        var dataset = contract.Datasets["events"];

        var first = catalog.Open(dataset, 0);
        Assert.Equal(256, catalog.MemoryShareMb);
        var others = new[] { catalog.Open(dataset, 1), catalog.Open(dataset, 2) };

        Assert.Equal(100, catalog.MemoryShareMb);
        Assert.Equal("100.0 MiB", MemoryLimitOf(first.Path));
        foreach (var shard in others)
        {
            shard.Dispose();
        }

        Assert.Equal(256, catalog.MemoryShareMb);
        Assert.Equal("256.0 MiB", MemoryLimitOf(first.Path));
        first.Dispose();
    }

    [Fact]
    public void Open_manyShardsUnderASmallBudget_splitsTheBudgetWithoutAFloor_soTheirLimitsSumWithinIt()
    {
        using var data = new TempDirectory("mallard-budget-floor");
        var contract = ContractLoader.Parse(Batches.EventsContract.Replace("partitions: 2", "partitions: 8", StringComparison.Ordinal), "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path, MemoryLimitMb = 256, MemoryBudgetMb = 160 }), contract);

        var shards = Enumerable.Range(0, 8).Select(p => catalog.Open(contract.Datasets["events"], p)).ToList();

        Assert.Equal(20, catalog.MemoryShareMb);
        Assert.All(shards, shard => Assert.Equal("20.0 MiB", MemoryLimitOf(shard.Path)));
        shards.ForEach(shard => shard.Dispose());
    }

    [Fact]
    public void Append_keyIndexFillingItsMemory_takesItOutOfTheDuckDbShares_andThenStopsGrowing()
    {
        using var data = new TempDirectory("mallard-budget-keys");
        var contract = ContractLoader.Parse(Batches.EventsContract, "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path, MemoryLimitMb = 256, MemoryBudgetMb = 200 }), contract);
        var dataset = contract.Datasets["events"];

        // A quarter of the budget for key indexes, in equal parts for the contract's two partitions.
        Assert.Equal(25, catalog.KeyIndexShareMb);
        using var keys = catalog.Open(dataset, 0);
        using var other = catalog.Open(dataset, 1);
        Assert.Equal(100, catalog.MemoryShareMb);

        // 2M stored keys, as if appended: the newest keys' table fills, the rest go to runs on
        // disk behind a filter, and the index takes what it was given.
        var random = new Random(3);
        for (var i = 0; i < 2_000_000; i++)
        {
            keys.StoredKeyHashes!.Add((ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63));
        }

        var filled = keys.KeyHashBytes;
        Assert.InRange(filled, 20L << 20, (25L << 20) + (2_000_000 / 256 * 8) + 4096);
        Assert.True(keys.StoredKeyHashes!.RunCount >= 1);
        Assert.Equal(filled + other.KeyHashBytes, catalog.KeyHashBytes());
        keys.Append(Batches.Events("after", 0, 10));

        var share = (int)((200 - (catalog.KeyHashBytes() >> 20)) / 2);
        Assert.Equal(share, catalog.MemoryShareMb);
        Assert.Equal($"{share}.0 MiB", MemoryLimitOf(keys.Path));
        Assert.Equal($"{share}.0 MiB", MemoryLimitOf(other.Path)); // took it at once: not committing

        // Twice the keys again: only the runs' page indexes grow (8 bytes per 256 keys).
        for (var i = 0; i < 4_000_000; i++)
        {
            keys.StoredKeyHashes!.Add((ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63));
        }

        keys.Append(Batches.Events("later", 10, 10));
        Assert.InRange(keys.KeyHashBytes - filled, 0, 4_000_000 / 256 * 8 + 4096);
        Assert.Equal(6_000_020, keys.StoredKeyHashes!.Count);
        Assert.Equal(share, catalog.MemoryShareMb);
    }

    [Fact]
    public async Task Open_whileAnotherShardIsCommitting_doesNotWaitForTheCommit_andTheBusyShardTakesItsShareBeforeItsNextWrite()
    {
        using var data = new TempDirectory("mallard-budget-busy");
        var contract = ContractLoader.Parse(Batches.EventsContract.Replace("partitions: 2", "partitions: 4", StringComparison.Ordinal), "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path, MemoryLimitMb = 256, MemoryBudgetMb = 300 }), contract);
        var dataset = contract.Datasets["events"];
        using var busy = catalog.Open(dataset, 0);
        using var inCommit = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        busy.BeforeCommit = () =>
        {
            inCommit.Set();
            release.Wait();
        };
        var commit = Task.Run(() => busy.Append(Batches.Events("held", 0, 100)));
        Assert.True(inCommit.Wait(TimeSpan.FromSeconds(30)), "the commit never reached its seam");

        // Opening two more shards recomputes every share while the first shard holds its write gate.
        var opening = Task.Run(() => new[] { catalog.Open(dataset, 1), catalog.Open(dataset, 2) });
        var finished = await Task.WhenAny(opening, Task.Delay(TimeSpan.FromSeconds(60)));

        busy.BeforeCommit = null;
        release.Set();
        await commit;
        Assert.Same(opening, finished);
        var others = await opening;
        Assert.Equal("256.0 MiB", MemoryLimitOf(busy.Path)); // not applied during its commit
        busy.Append(Batches.Events("next", 100, 10));
        Assert.Equal("100.0 MiB", MemoryLimitOf(busy.Path));
        foreach (var shard in others)
        {
            shard.Dispose();
        }
    }

    [Fact]
    public void Open_of_a_shard_already_open_in_this_process_is_refusedAsUnavailable_thenOpensOnceClosed()
    {
        using var data = new TempDirectory("mallard-once");
        var contract = ContractLoader.Parse(Batches.EventsContract, "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), contract);
        var shard = catalog.Open(contract.Datasets["events"], 0);

        var refusal = Assert.Throws<PartitionException>(() => catalog.Open(contract.Datasets["events"], 0));
        Assert.Equal(ErrorCodes.PartitionUnavailable, refusal.Code);
        Assert.Contains("its activation has not begun deactivating", refusal.Message, StringComparison.Ordinal);
        shard.Dispose();
        catalog.Open(contract.Datasets["events"], 0).Dispose();
    }

    [Fact]
    public void Open_whileTheHolderIsDeactivating_isRefusedNamingTheStepItIsAt_andTheStepIsForgottenOnClose()
    {
        using var data = new TempDirectory("mallard-closing");
        var contract = ContractLoader.Parse(Batches.EventsContract, "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), contract);
        var shard = catalog.Open(contract.Datasets["events"], 0);
        catalog.NoteClosing(shard, "committing its queue");
        catalog.NoteClosing(shard, "closing the file");

        var refusal = Assert.Throws<PartitionException>(() => catalog.Open(contract.Datasets["events"], 0));

        Assert.Matches(@"deactivating for \d+ s, now closing the file", refusal.Message);
        shard.Dispose();
        var reopened = catalog.Open(contract.Datasets["events"], 0);
        var again = Assert.Throws<PartitionException>(() => catalog.Open(contract.Datasets["events"], 0));
        Assert.Contains("its activation has not begun deactivating", again.Message, StringComparison.Ordinal);
        reopened.Dispose();
    }

    private static string MemoryLimitOf(string path)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('memory_limit')";
        return (string)command.ExecuteScalar()!;
    }
}

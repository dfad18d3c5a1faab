using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Grains.Shards;
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
        Assert.Equal("95.3 MiB", MemoryLimitOf(first.Path));
        foreach (var shard in others)
        {
            shard.Dispose();
        }

        Assert.Equal(256, catalog.MemoryShareMb);
        Assert.Equal("244.1 MiB", MemoryLimitOf(first.Path));
        first.Dispose();
    }

    [Fact]
    public void Open_of_a_shard_already_open_in_this_process_is_refused()
    {
        using var data = new TempDirectory("mallard-once");
        var contract = ContractLoader.Parse(Batches.EventsContract, "events.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), contract);
        using var shard = catalog.Open(contract.Datasets["events"], 0);

        Assert.Throws<InvalidOperationException>(() => catalog.Open(contract.Datasets["events"], 0));
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

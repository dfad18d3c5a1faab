using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Querying;

/// <summary>
/// An unfiltered count is answered from the shard's committed row count; it must equal what
/// DuckDB counts after every kind of write: new rows, stored duplicates (the staging path),
/// repeats within a batch, replayed batch ids, and a reopen.
/// </summary>
public sealed class CommittedRowCountTests
{
    private static readonly ContractDefinition Contract = ContractLoader.Parse(Batches.EventsContract, "events.yaml");
    private static readonly DatasetDefinition Events = Contract.Datasets["events"];

    [Fact]
    public async Task Count_afterNewDuplicateReplayedAndRepeatedRows_equalsDuckDbsCount_andSurvivesAReopen()
    {
        using var data = new TempDirectory("mallard-count");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), Contract);
        var shard = catalog.Open(Events, 0);
        Assert.Equal(0, await FastCount(shard));

        shard.Append(Batches.Events("a", 0, 100));                  // 100 new
        shard.Append(Batches.Events("b", 50, 100));                 // 50 stored keys, 50 new
        shard.Append(Batches.Events("b", 50, 100));                 // the same batch id: a replay
        shard.AppendGroup([Batches.Events("c", 200, 10), Batches.Events("d", 205, 10)]); // keys repeated across the group
        var repeated = Batches.Events("e", 300, 4);
        repeated = repeated with { Columns = [repeated.Columns[0].Gather([0, 1, 1, 2]), .. repeated.Columns[1..]] };
        shard.Append(repeated);                                     // a key twice within a batch

        Assert.Equal(DuckDbCount(shard), await FastCount(shard));
        Assert.Equal(168, await FastCount(shard));
        shard.Dispose();
        using var reopened = catalog.Open(Events, 0);
        Assert.Equal(168, await FastCount(reopened));
    }

    [Fact]
    public async Task Count_withAFilterOrGroups_isNotTheCommittedCount()
    {
        using var data = new TempDirectory("mallard-count-filter");
        using var shard = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), Contract).Open(Events, 0);
        shard.Append(Batches.Events("a", 0, 30));

        var ten = new ColumnVectorBuilder(ColumnKind.Int64);
        ten.AppendInt64(10);
        var filtered = await shard.QueryAsync(Query([new QueryFilter("id", FilterOperator.Lt, ten.Build())], []));
        var grouped = await shard.QueryAsync(Query([], ["note"]));

        Assert.Equal(10, filtered.Vectors[0].Int64s![0]);
        Assert.Equal(30, grouped.Vectors[^1].Int64s!.Sum());
    }

    private static async Task<long> FastCount(Shard shard) => (await shard.QueryAsync(Query([], []))).Vectors[0].Int64s![0];

    // The synchronous Query always runs the statement in DuckDB.
    private static long DuckDbCount(Shard shard) => shard.Query(Query([], [])).Vectors[0].Int64s![0];

    private static PartitionQuery Query(QueryFilter[] filters, string[] groupBy) =>
        new("events", filters, [], groupBy, [new QueryAggregate(AggregateFunction.Count, null, "n")], [], 0, Batches.Stamp);
}

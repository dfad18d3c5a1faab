using Mallard.Contract;
using Mallard.Grains;
using Microsoft.Extensions.DependencyInjection;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class PartitionGrainTests(ClusterFixture fixture)
{
    private static readonly PartitionQuery CountAndSum = new(
        "events", [], [], [],
        [new QueryAggregate(AggregateFunction.Count, null, "n"), new QueryAggregate(AggregateFunction.Sum, "amount", "total"), new QueryAggregate(AggregateFunction.Count, "note", "notes")],
        [], 100, Batches.Stamp);

    [Fact]
    public async Task Append_commits_every_row_and_query_reads_them_back()
    {
        var grain = fixture.Grains.GetPartition("events", 0);
        var before = await grain.GetStatsAsync();

        var receipt = await grain.AppendAsync(Batches.Events(NewBatchId(), 1_000_000, 1_000));

        Assert.Equal(1_000, receipt.Accepted);
        Assert.False(receipt.Replayed);
        var after = await grain.GetStatsAsync();
        Assert.Equal(before.Rows + 1_000, after.Rows);
        Assert.Equal(before.Batches + 1, after.Batches);
        Assert.NotNull(after.WatermarkMicros);
    }

    [Fact]
    public async Task QueryManyWithin_returnsEachPartitionsOwnOutcome_aRefusalBesideTheAnswers()
    {
        await fixture.Grains.GetPartition("events", 0).AppendAsync(Batches.Events(NewBatchId(), 4_000_000, 10));
        var expected = await fixture.Grains.GetPartition("events", 0).QueryAsync(CountAndSum);

        var outcomes = await fixture.Grains.Relay().QueryManyWithinAsync("events", [0, 7, 1], CountAndSum, CancellationToken.None);

        Assert.Equal([0, 7, 1], outcomes.Select(o => o.Partition));
        Assert.Equal(expected.Vectors[0].Int64s!.ToArray(), outcomes[0].Result!.Vectors[0].Int64s!.ToArray());
        Assert.NotNull(outcomes[2].Result);
        Assert.Null(outcomes[1].Result);
        var refusal = Assert.IsType<PartitionException>(outcomes[1].Failure!.GetBaseException());
        Assert.Equal(ErrorCodes.UnknownPartition, refusal.Code);
    }

    [Fact]
    public async Task Append_same_batch_twice_returns_original_receipt_and_writes_nothing()
    {
        var grain = fixture.Grains.GetPartition("events", 1);
        var batch = Batches.Events(NewBatchId(), 2_000_000, 500);
        var first = await grain.AppendAsync(batch);
        var rowsAfterFirst = (await grain.GetStatsAsync()).Rows;

        var second = await grain.AppendAsync(batch);

        Assert.True(second.Replayed);
        Assert.Equal(first.Accepted, second.Accepted);
        Assert.Equal(first.CommittedAt.ToUnixTimeMilliseconds(), second.CommittedAt.ToUnixTimeMilliseconds());
        Assert.Equal(rowsAfterFirst, (await grain.GetStatsAsync()).Rows);
    }

    [Fact]
    public async Task Query_raw_rows_round_trip_every_type_exactly()
    {
        var grain = fixture.Grains.GetPartition("events", 0);
        var batch = Batches.Events(NewBatchId(), 3_000_000, 3);
        await grain.AppendAsync(batch);
        var ids = new ColumnVectorBuilder(ColumnKind.Int64);
        ids.AppendInt64(3_000_000);
        ids.AppendInt64(3_000_001);

        var result = await grain.QueryAsync(new PartitionQuery(
            "events",
            [new QueryFilter("id", FilterOperator.In, ids.Build())],
            ["id", "ts", "amount", "note"], [], [],
            [new QueryOrder("id", Descending: false)], 10, Batches.Stamp));

        Assert.Equal(2, result.RowCount);
        for (var row = 0; row < 2; row++)
        {
            for (var column = 0; column < 4; column++)
            {
                Assert.Equal(batch.Columns[column].GetValue(row), result.Vectors[column].GetValue(row));
            }
        }
    }

    [Fact]
    public async Task Query_during_appends_never_sees_part_of_a_batch()
    {
        const int batchSize = 777;
        const int batches = 40;
        var grain = fixture.Grains.GetPartition("events", 1);
        var baseline = await CountAsync(grain);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < batches; i++)
            {
                await grain.AppendAsync(Batches.Events(NewBatchId(), 10_000_000 + i * batchSize, batchSize));
            }
        });

        var observed = new List<long>();
        while (!writer.IsCompleted)
        {
            observed.Add(await CountAsync(grain) - baseline);
        }

        await writer;
        observed.Add(await CountAsync(grain) - baseline);
        Assert.All(observed, count => Assert.True(count % batchSize == 0, $"saw {count} rows: not a whole number of {batchSize}-row batches"));
        Assert.Equal(observed.Order(), observed);
        Assert.Equal(batches * batchSize, observed[^1]);
    }

    [Fact]
    public async Task Append_calls_arriving_while_the_writer_is_busy_share_one_transaction()
    {
        var grain = fixture.Grains.GetPartition("events", 0);
        await grain.GetStatsAsync();
        var services = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress);
        var gauge = services.GetRequiredService<PartitionGauges>().Active.Single(g => g.Dataset == "events" && g.Partition == 0);
        Task<PartitionReceipt>[] appends;
        using (services.GetRequiredService<CommitGate>().Close())
        {
            appends = Enumerable.Range(0, 30).Select(i => grain.AppendAsync(Batches.Events(NewBatchId(), 21_000_000 + i * 100, 100))).ToArray();

            // The writer is held: wait until every append has reached the partition's queue.
            while (gauge.QueuedRows < 3_000)
            {
                Assert.DoesNotContain(appends, a => a.IsCompleted);
                await Task.Yield();
            }
        }

        var receipts = await Task.WhenAll(appends);

        Assert.All(receipts, r => Assert.Equal(100, r.Accepted));
        Assert.Single(receipts.Select(r => r.CommittedAt).Distinct());
    }

    [Fact]
    public async Task Append_same_batch_twice_in_one_group_commit_writes_it_once()
    {
        var grain = fixture.Grains.GetPartition("events", 1);
        var before = await grain.GetStatsAsync();
        var services = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress);
        var gauge = services.GetRequiredService<PartitionGauges>().Active.Single(g => g.Dataset == "events" && g.Partition == 1);
        var batch = Batches.Events(NewBatchId(), 30_000_000, 300);
        Task<PartitionReceipt>[] appends;
        using (services.GetRequiredService<CommitGate>().Close())
        {
            appends = [grain.AppendAsync(batch), grain.AppendAsync(batch)];
            while (gauge.QueuedRows < 600)
            {
                Assert.DoesNotContain(appends, a => a.IsCompleted);
                await Task.Yield();
            }
        }

        var receipts = await Task.WhenAll(appends);

        Assert.Single(receipts, r => r.Replayed);
        Assert.All(receipts, r => Assert.Equal(300, r.Accepted));
        Assert.Equal(before.Rows + 300, (await grain.GetStatsAsync()).Rows);
    }

    [Fact]
    public async Task Partition_reactivated_after_deactivation_finds_all_rows_and_ledger()
    {
        var grain = fixture.Grains.GetPartition("events", 0);
        var batch = Batches.Events(NewBatchId(), 4_000_000, 250);
        await grain.AppendAsync(batch);
        var before = await grain.GetStatsAsync();

        await fixture.Cluster.DeactivateAsync(grain);
        var after = await grain.GetStatsAsync();
        var replay = await grain.AppendAsync(batch);

        Assert.Equal(before.Rows, after.Rows);
        Assert.Equal(before.Batches, after.Batches);
        Assert.True(replay.Replayed);
    }

    [Fact]
    public async Task Append_with_wrong_column_kinds_is_refused_before_writing()
    {
        var grain = fixture.Grains.GetPartition("events", 0);
        var good = Batches.Events(NewBatchId(), 5_000_000, 2);
        var bad = good with { Columns = [good.Columns[1], good.Columns[0], good.Columns[2], good.Columns[3]] };
        var before = await grain.GetStatsAsync();

        var error = await Assert.ThrowsAsync<PartitionException>(() => grain.AppendAsync(bad));

        Assert.Equal("batch_mismatch", error.Code);
        Assert.Equal(before.Rows, (await grain.GetStatsAsync()).Rows);
    }

    [Fact]
    public async Task Partition_outside_the_dataset_does_not_activate()
    {
        var grain = fixture.Grains.GetPartition("events", 7);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => grain.GetStatsAsync());

        var refusal = Assert.IsType<PartitionException>(error.GetBaseException());
        Assert.Equal("unknown_partition", refusal.Code);
        Assert.False(File.Exists(Path.Combine(fixture.DataDirectory, "shards", "events", "7.duckdb")));
    }

    private static async Task<long> CountAsync(IPartitionGrain grain)
    {
        var result = await grain.QueryAsync(CountAndSum);
        return (long)result.Vectors[0].GetValue(0)!;
    }

    private static string NewBatchId() => Guid.NewGuid().ToString("N");
}

using Mallard.Api.Querying;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Querying;

public sealed class ResultMergerTests
{
    private static readonly DatasetDefinition Dataset = ContractLoader.Parse(
        """
        version: 1
        datasets:
          d:
            key: [g]
            partition_by: [g]
            partitions: 2
            columns:
              s: { type: string, nullable: true }
              g: { type: string }
              x: { type: int64 }
              f: { type: float64 }
        """,
        "merger.yaml").Datasets["d"];

    private static readonly PartitionQuery SumAndAvg = new(
        "d", [], [], ["g"],
        [new QueryAggregate(AggregateFunction.Sum, "x", "total"), new QueryAggregate(AggregateFunction.Avg, "x", "mean"), new QueryAggregate(AggregateFunction.Count, null, "n")],
        [new QueryOrder("total", Descending: true)], 10, new ContractStamp(1, "test"));

    [Fact]
    public void Merge_groups_across_partitions_adds_sums_and_weights_means_by_count()
    {
        var a = Partial(0, ("x", 10L, 2.5, 4L), ("y", 1L, 1.0, 1L));
        var b = Partial(1, ("x", 5L, 5.0, 1L), ("z", 100L, 50.0, 2L));

        var result = ResultMerger.Merge(Dataset, SumAndAvg, [a, b]);

        Assert.Equal(["g", "total", "mean", "n"], result.Columns.Select(c => c.Name));
        Assert.Equal(
            [("z", 100L, 50.0, 2L), ("x", 15L, 3.0, 5L), ("y", 1L, 1.0, 1L)],
            result.Rows.Select(r => ((string)r[0]!, (long)r[1]!, (double)r[2]!, (long)r[3]!)));
    }

    [Fact]
    public void Merge_int64_sum_that_overflows_throws_instead_of_wrapping()
    {
        var a = Partial(0, ("x", long.MaxValue, 1.0, 1L));
        var b = Partial(1, ("x", 1L, 1.0, 1L));

        Assert.Throws<OverflowException>(() => ResultMerger.Merge(Dataset, SumAndAvg, [a, b]));
    }

    [Fact]
    public void Merge_float_sum_beyond_float64_range_throws_instead_of_infinity()
    {
        var query = SumAndAvg with { Aggregates = [new QueryAggregate(AggregateFunction.Sum, "f", "total")], OrderBy = [] };
        var a = FloatPartial(0, 1e308);
        var b = FloatPartial(1, 1e308);

        Assert.Throws<OverflowException>(() => ResultMerger.Merge(Dataset, query, [a, b]));
    }

    [Fact]
    public void Merge_raw_rows_sorts_across_partitions_with_nulls_last_and_applies_limit_after()
    {
        var query = new PartitionQuery("d", [], ["s"], [], [], [new QueryOrder("s", Descending: false)], 4, new ContractStamp(1, "test"));
        var a = Strings(0, "b", null, "é");
        var b = Strings(1, "a", "\uD83E\uDD86", "\uFB01");

        var result = ResultMerger.Merge(Dataset, query, [a, b]);

        // Code point order, as DuckDB sorts UTF-8 bytes: U+FB01 comes before U+1F986 although UTF-16 says otherwise.
        Assert.Equal(["a", "b", "é", "\uFB01"], result.Rows.Select(r => (string?)r[0]));
    }

    private static PartialResult Partial(int partition, params (string Group, long Sum, double Mean, long Count)[] rows)
    {
        var g = new ColumnVectorBuilder(ColumnKind.String);
        var sum = new ColumnVectorBuilder(ColumnKind.Int64);
        var mean = new ColumnVectorBuilder(ColumnKind.Float64);
        var count = new ColumnVectorBuilder(ColumnKind.Int64);
        var n = new ColumnVectorBuilder(ColumnKind.Int64);
        foreach (var row in rows)
        {
            g.AppendString(row.Group);
            sum.AppendInt64(row.Sum);
            mean.AppendFloat64(row.Mean);
            count.AppendInt64(row.Count);
            n.AppendInt64(row.Count);
        }

        ResultColumn[] columns =
        [
            new("g", ColumnType.String), new("total", ColumnType.Int64), new("mean$avg", ColumnType.Float64),
            new("mean$count", ColumnType.Int64), new("n", ColumnType.Int64),
        ];
        return new PartialResult(partition, columns, [g.Build(), sum.Build(), mean.Build(), count.Build(), n.Build()], rows.Length);
    }

    private static PartialResult FloatPartial(int partition, double total)
    {
        var g = new ColumnVectorBuilder(ColumnKind.String);
        g.AppendString("x");
        var sum = new ColumnVectorBuilder(ColumnKind.Float64);
        sum.AppendFloat64(total);
        return new PartialResult(partition, [new("g", ColumnType.String), new("total", ColumnType.Float64)], [g.Build(), sum.Build()], 1);
    }

    private static PartialResult Strings(int partition, params string?[] values)
    {
        var s = new ColumnVectorBuilder(ColumnKind.String);
        foreach (var value in values)
        {
            if (value is null)
            {
                s.AppendNull();
            }
            else
            {
                s.AppendString(value);
            }
        }

        return new PartialResult(partition, [new("s", ColumnType.String)], [s.Build()], values.Length);
    }
}

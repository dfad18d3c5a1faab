using Mallard.Api.Querying;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Querying;

public sealed class PartitionPruningTests
{
    private static readonly ContractDefinition Contract = ContractLoader.Parse(
        """
        version: 1
        datasets:
          events:
            key: [id]
            partition_by: [tenant]
            partitions: 16
            columns:
              id: { type: string }
              tenant: { type: string }
              n: { type: int64 }
          wide:
            key: [id]
            partition_by: [a, b, c, d, e, f, g, h]
            partitions: 16
            columns:
              id: { type: string }
              a: { type: int32 }
              b: { type: int32 }
              c: { type: int32 }
              d: { type: int32 }
              e: { type: int32 }
              f: { type: int32 }
              g: { type: int32 }
              h: { type: int32 }
        """,
        "pruning.yaml");

    private static DatasetDefinition Events => Contract.Datasets["events"];

    [Fact]
    public void PartitionsFor_without_a_partition_filter_visits_every_partition()
    {
        var partitions = PartitionPruning.PartitionsFor(Events, Query(Events, new QueryFilter("n", FilterOperator.Gt, Int64s(5))));

        Assert.Equal(Enumerable.Range(0, 16), partitions);
    }

    [Fact]
    public void PartitionsFor_eq_on_the_partition_column_visits_only_the_partition_the_value_hashes_to()
    {
        var partitions = PartitionPruning.PartitionsFor(Events, Query(Events, new QueryFilter("tenant", FilterOperator.Eq, Strings("acme"))));

        Assert.Equal([PartitionOf(Events, "acme")], partitions);
    }

    [Fact]
    public void PartitionsFor_in_visits_the_distinct_partitions_of_its_values_ascending()
    {
        string[] tenants = ["acme", "globex", "initech", "umbrella", "hooli"];

        var partitions = PartitionPruning.PartitionsFor(Events, Query(Events, new QueryFilter("tenant", FilterOperator.In, Strings(tenants))));

        Assert.Equal(tenants.Select(t => PartitionOf(Events, t)).Distinct().Order(), partitions);
    }

    [Fact]
    public void PartitionsFor_empty_in_asks_one_partition_for_the_empty_shape()
    {
        var partitions = PartitionPruning.PartitionsFor(Events, Query(Events, new QueryFilter("tenant", FilterOperator.In, Strings())));

        Assert.Equal([0], partitions);
    }

    [Fact]
    public void PartitionsFor_ne_on_the_partition_column_does_not_prune()
    {
        var partitions = PartitionPruning.PartitionsFor(Events, Query(Events, new QueryFilter("tenant", FilterOperator.Ne, Strings("acme"))));

        Assert.Equal(16, partitions.Count);
    }

    [Fact]
    public void PartitionsFor_in_lists_whose_product_wraps_a_64_bit_count_visits_every_partition()
    {
        // 256^8 = 2^64: an unchecked product wraps to 0, which used to send the query to partition 0 only.
        var wide = Contract.Datasets["wide"];
        var filters = wide.PartitionBy.Select(column => new QueryFilter(column, FilterOperator.In, Int32s(Enumerable.Range(0, 256)))).ToArray();

        var partitions = PartitionPruning.PartitionsFor(wide, Query(wide, filters));

        Assert.Equal(Enumerable.Range(0, 16), partitions);
    }

    [Fact]
    public void PartitionsFor_combinations_over_the_cap_visit_every_partition()
    {
        var wide = Contract.Datasets["wide"];
        var filters = wide.PartitionBy.Select((column, i) => new QueryFilter(column, FilterOperator.In, Int32s(Enumerable.Range(0, i < 2 ? 40 : 1)))).ToArray();

        Assert.Equal(16, PartitionPruning.PartitionsFor(wide, Query(wide, filters)).Count);
    }

    private static PartitionQuery Query(DatasetDefinition dataset, params QueryFilter[] filters) =>
        new(dataset.Name, filters, ["id"], [], [], [], 10, new ContractStamp(1, dataset.Hash));

    private static int PartitionOf(DatasetDefinition dataset, string tenant)
    {
        var row = new ColumnVector[dataset.Columns.Count];
        row[dataset.PartitionByOrdinals[0]] = Strings(tenant);
        return PartitionHasher.PartitionOf(dataset, row, 0);
    }

    private static ColumnVector Strings(params string[] values)
    {
        var builder = new ColumnVectorBuilder(ColumnKind.String);
        foreach (var value in values)
        {
            builder.AppendString(value);
        }

        return builder.Build();
    }

    private static ColumnVector Int64s(params long[] values)
    {
        var builder = new ColumnVectorBuilder(ColumnKind.Int64);
        foreach (var value in values)
        {
            builder.AppendInt64(value);
        }

        return builder.Build();
    }

    private static ColumnVector Int32s(IEnumerable<int> values)
    {
        var builder = new ColumnVectorBuilder(ColumnKind.Int32);
        foreach (var value in values)
        {
            builder.AppendInt32(value);
        }

        return builder.Build();
    }
}

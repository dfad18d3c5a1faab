using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Querying;

/// <summary>
/// A query that pins the whole record key is answered empty, without a scan, by a shard whose
/// key-hash set holds none of the pinned keys; every answer equals what DuckDB answers.
/// </summary>
public sealed class StoredKeyLookupTests
{
    private const string PricesContract = """
        version: 1
        datasets:
          prices:
            key: [sku, price]
            partition_by: [sku]
            partitions: 1
            columns:
              sku:   { type: string }
              price: { type: "decimal(10,2)" }
              note:  { type: string, nullable: true }
        """;

    private static readonly ContractDefinition Prices = ContractLoader.Parse(PricesContract, "prices.yaml");

    [Fact]
    public async Task QueryAsync_keyPinnedButNotStored_isEmptyWithoutAScan_andAStoredKeyIsFound()
    {
        using var data = new TempDirectory("mallard-lookup");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch(Enumerable.Range(0, 100)));

        var missing = await shard.QueryAsync(Lookup(FilterOperator.Eq, 500));
        Assert.Equal(0, missing.RowCount);
        Assert.Equal(["k", "v"], missing.Columns.Select(c => c.Name));
        Assert.Equal(1, shard.NoScanQueries);

        var found = await shard.QueryAsync(Lookup(FilterOperator.Eq, 42));
        Assert.Equal("value 42", Assert.Single(found.Vectors[1].Strings!));

        var someStored = await shard.QueryAsync(Lookup(FilterOperator.In, 500, 42, 501));
        Assert.Equal([42], someStored.Vectors[0].Int32s!.ToArray());

        var noneStored = await shard.QueryAsync(Lookup(FilterOperator.In, 500, 501));
        Assert.Equal(0, noneStored.RowCount);
        Assert.Equal(2, shard.NoScanQueries);
    }

    [Fact]
    public async Task QueryAsync_keyStoredByTheLastAcknowledgedAppend_isFound()
    {
        using var data = new TempDirectory("mallard-lookup");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        Assert.Equal(0, (await shard.QueryAsync(Lookup(FilterOperator.Eq, 7))).RowCount);

        shard.Append(ItemsShards.Batch([7]));

        var found = await shard.QueryAsync(Lookup(FilterOperator.Eq, 7));
        Assert.Equal([7], found.Vectors[0].Int32s!.ToArray());
    }

    [Fact]
    public async Task QueryAsync_compositeDecimalKey_matchesDuckDb_forEqualValuesOfAnotherScale_andGroupedAggregates()
    {
        using var data = new TempDirectory("mallard-lookup");
        var dataset = Prices.Datasets["prices"];
        using var shard = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), Prices).Open(dataset, 0);
        shard.Append(PriceBatch(("a", 1.50m), ("a", 2.00m), ("b", 1.50m)));

        PartitionQuery[] queries =
        [
            PriceQuery([Pin("sku", "a"), Pin("price", 1.5m)]),        // stored as 1.50: the same key
            PriceQuery([Pin("sku", "a"), Pin("price", 1.51m)]),
            PriceQuery([Pin("sku", "c"), Pin("price", 1.50m)]),
            PriceQuery([Pin("sku", "b"), Pin("price", 1.5m, 2m)]),
            PriceQuery([Pin("sku", "a")]),                            // the key is not pinned whole
            PriceQuery([Pin("sku", "c"), Pin("price", 9m)], groupBy: ["sku"]),
            PriceQuery([Pin("sku", "c"), Pin("price", 9m)], groupBy: []), // one row of count 0, from DuckDB
        ];

        foreach (var query in queries)
        {
            var fast = await shard.QueryAsync(query);
            var scanned = shard.Query(query);
            Assert.Equal(scanned.RowCount, fast.RowCount);
            Assert.Equal(scanned.Columns, fast.Columns);
            for (var c = 0; c < scanned.Vectors.Length; c++)
            {
                Assert.Equal(Texts(scanned.Vectors[c]), Texts(fast.Vectors[c]));
            }
        }

        Assert.Equal(1, (await shard.QueryAsync(queries[0])).RowCount);
        Assert.Equal(3, shard.NoScanQueries);
    }

    private static PartitionQuery Lookup(FilterOperator op, params int[] keys)
    {
        var values = new ColumnVectorBuilder(ColumnKind.Int32);
        foreach (var key in keys)
        {
            values.AppendInt32(key);
        }

        return new PartitionQuery("items", [new QueryFilter("k", op, values.Build())], ["k", "v"], [], [], [], 100,
            new ContractStamp(ItemsShards.Parsed.Version, ItemsShards.Items.Hash));
    }

    private static QueryFilter Pin(string sku, string value)
    {
        var values = new ColumnVectorBuilder(ColumnKind.String);
        values.AppendString(value);
        return new QueryFilter(sku, FilterOperator.Eq, values.Build());
    }

    private static QueryFilter Pin(string price, params decimal[] prices)
    {
        var values = new ColumnVectorBuilder(ColumnKind.Decimal);
        foreach (var value in prices)
        {
            values.AppendDecimal(value);
        }

        return new QueryFilter(price, prices.Length == 1 ? FilterOperator.Eq : FilterOperator.In, values.Build());
    }

    private static PartitionQuery PriceQuery(QueryFilter[] filters, string[]? groupBy = null) =>
        groupBy is null
            ? new("prices", filters, ["sku", "price", "note"], [], [], [], 100, StampOfPrices)
            : new("prices", filters, [], groupBy, [new QueryAggregate(AggregateFunction.Count, null, "n")], [], 100, StampOfPrices);

    private static ContractStamp StampOfPrices => new(Prices.Version, Prices.Datasets["prices"].Hash);

    private static RecordBatch PriceBatch(params (string Sku, decimal Price)[] rows)
    {
        var sku = new ColumnVectorBuilder(ColumnKind.String);
        var price = new ColumnVectorBuilder(ColumnKind.Decimal);
        var note = new ColumnVectorBuilder(ColumnKind.String);
        foreach (var (s, p) in rows)
        {
            sku.AppendString(s);
            price.AppendDecimal(p);
            note.AppendString($"{s} at {p}");
        }

        return new RecordBatch("prices-1", rows.Length, [sku.Build(), price.Build(), note.Build()], StampOfPrices,
            Enumerable.Range(0, rows.Length).ToArray(), "request-prices-1");
    }

    private static string[] Texts(ColumnVector vector) =>
        Enumerable.Range(0, vector.Count).Select(row => vector.IsNull(row) ? "null" : vector.Kind switch
        {
            ColumnKind.String => vector.Strings![row]!,
            ColumnKind.Decimal => vector.Decimals![row].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ColumnKind.Int64 => vector.Int64s![row].ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => vector.Kind.ToString(),
        }).ToArray();
}

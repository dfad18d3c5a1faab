using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Querying;

/// <summary>
/// A query that pins the whole record key is answered empty, without a scan, by a shard whose
/// key-hash set holds none of the pinned keys, and reads only the row the set's hint names when it
/// holds one; a hint that does not answer costs a scan, never an answer. Every answer equals what
/// DuckDB answers.
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

    [Fact]
    public async Task QueryAsync_storedKeysOfAppendedBatches_readTheRowsTheirHintsName_andEqualTheScan()
    {
        using var data = new TempDirectory("mallard-lookup");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        foreach (var chunk in Enumerable.Range(0, 30_000).Chunk(10_000))
        {
            shard.Append(ItemsShards.Batch(chunk));
        }

        foreach (var key in new[] { 0, 5, 15_000, 29_999 })
        {
            var hinted = await shard.QueryAsync(Lookup(FilterOperator.Eq, key));
            Assert.Equal([key], hinted.Vectors[0].Int32s!.ToArray());
            Assert.Equal(Texts(shard.Query(Lookup(FilterOperator.Eq, key)).Vectors[1]), Texts(hinted.Vectors[1]));
        }

        Assert.Equal((4, 0), (shard.RowHintQueries, shard.RowHintMisses));
    }

    [Fact]
    public async Task QueryAsync_afterReopen_hintsAreRebuiltFromTheRows_includingKeysStoredByTheStagingPath()
    {
        using var data = new TempDirectory("mallard-lookup");
        using (var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0))
        {
            shard.Append(ItemsShards.Batch([1, 2]));
            // Key 1 is stored already: the batch takes the staging path, which does not tell rowids.
            shard.Append(ItemsShards.Batch([3, 1]));

            Assert.Equal(new[] { 3 }, KeysOf(await shard.QueryAsync(Lookup(FilterOperator.Eq, 3))));
            Assert.Equal((0, 0), (shard.RowHintQueries, shard.RowHintMisses));
        }

        using (var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0))
        {
            Assert.Equal(new[] { 3 }, KeysOf(await shard.QueryAsync(Lookup(FilterOperator.Eq, 3))));
            Assert.Equal(new[] { 2 }, KeysOf(await shard.QueryAsync(Lookup(FilterOperator.Eq, 2))));
            Assert.Equal((2, 0), (shard.RowHintQueries, shard.RowHintMisses));
        }
    }

    [Fact]
    public async Task QueryAsync_hintNamingAnotherRow_scans_andFindsTheKey()
    {
        using var data = new TempDirectory("mallard-lookup");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch([10, 11]));
        var batch = ItemsShards.Batch([99]);
        // A wrong hint for key 99 (row 0 holds key 10); the key then comes through the staging path.
        shard.StoredKeyHashes!.Add(RecordKey.Hash([batch.Columns[0]], 0), rowid: 0);
        shard.Append(batch);

        var found = await shard.QueryAsync(Lookup(FilterOperator.Eq, 99));

        Assert.Equal([99], found.Vectors[0].Int32s!.ToArray());
        Assert.Equal((0, 1), (shard.RowHintQueries, shard.RowHintMisses));
    }

    [Fact]
    public async Task QueryAsync_hintedRowFailingAnotherFilter_scans_andAnswersEmpty()
    {
        using var data = new TempDirectory("mallard-lookup");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch([5, 6]));
        var values = new ColumnVectorBuilder(ColumnKind.String);
        values.AppendString("not value 5");
        var query = Lookup(FilterOperator.Eq, 5);
        query = query with { Filters = [.. query.Filters, new QueryFilter("v", FilterOperator.Eq, values.Build())] };

        var answer = await shard.QueryAsync(query);

        Assert.Equal(0, answer.RowCount);
        Assert.Equal((0, 1), (shard.RowHintQueries, shard.RowHintMisses));
    }

    [Fact]
    public async Task QueryAsync_datasetWithAColumnNamedRowid_findsKeysByScanning_andStillRefusesStoredKeysAfterReopen()
    {
        var contract = ContractLoader.Parse("""
            version: 1
            datasets:
              rows:
                key: [id]
                partition_by: [id]
                partitions: 1
                columns:
                  id:    { type: int32 }
                  rowid: { type: string }
            """, "rows.yaml");
        var dataset = contract.Datasets["rows"];
        var stamp = new ContractStamp(contract.Version, dataset.Hash);
        RecordBatch Batch(string id, params int[] keys)
        {
            var ids = new ColumnVectorBuilder(ColumnKind.Int32);
            var names = new ColumnVectorBuilder(ColumnKind.String);
            foreach (var key in keys)
            {
                ids.AppendInt32(key);
                names.AppendString("row " + key);
            }

            return new RecordBatch(id, keys.Length, [ids.Build(), names.Build()], stamp, Enumerable.Range(0, keys.Length).ToArray(), "request-" + id);
        }

        var pin = new ColumnVectorBuilder(ColumnKind.Int32);
        pin.AppendInt32(2);
        var lookup = new PartitionQuery("rows", [new QueryFilter("id", FilterOperator.Eq, pin.Build())], ["id", "rowid"], [], [], [], 100, stamp);
        using var data = new TempDirectory("mallard-lookup");
        var catalog = () => new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), contract);
        using (var shard = catalog().Open(dataset, 0))
        {
            shard.Append(Batch("one", 1, 2, 3));
        }

        using (var shard = catalog().Open(dataset, 0))
        {
            var found = await shard.QueryAsync(lookup);

            Assert.Equal("row 2", Assert.Single(found.Vectors[1].Strings!));
            Assert.Equal((0, 0), (shard.RowHintQueries, shard.RowHintMisses));
            var again = shard.Append(Batch("two", 2, 4));
            Assert.Equal((1, 1), (again.Accepted, again.Duplicates));
        }
    }

    private static int[] KeysOf(PartialResult result) => result.Vectors[0].Int32s!.Take(result.RowCount).ToArray();

    internal static PartitionQuery Lookup(FilterOperator op, params int[] keys)
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
            ColumnKind.String => vector.GetString(row),
            ColumnKind.Decimal => vector.Decimals![row].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ColumnKind.Int64 => vector.Int64s![row].ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => vector.Kind.ToString(),
        }).ToArray();
}

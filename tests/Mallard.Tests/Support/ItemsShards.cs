using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Support;

/// <summary>A one-partition dataset <c>items</c> (int32 key, nullable string, timestamp) for shard tests without a cluster.</summary>
public static class ItemsShards
{
    public const string Contract = """
        version: 1
        datasets:
          items:
            key: [k]
            partition_by: [k]
            partitions: 1
            time: at
            columns:
              k:  { type: int32 }
              v:  { type: string, nullable: true }
              at: { type: timestamp }
        """;

    public static readonly ContractDefinition Parsed = ContractLoader.Parse(Contract, "items.yaml");

    public static readonly DatasetDefinition Items = Parsed.Datasets["items"];

    public static ShardCatalog Catalog(string folder, TimeSpan? ledgerRetention = null)
    {
        var options = new ShardOptions { DataDirectory = folder };
        if (ledgerRetention is { } retention)
        {
            options.LedgerRetention = retention;
        }

        return new(Options.Create(options), Parsed);
    }

    /// <summary>A batch of the keys; its id is derived from them unless given, and its request hash from the id and <paramref name="body"/>.</summary>
    public static RecordBatch Batch(IEnumerable<int> keys, string? id = null, string body = "")
    {
        var k = new ColumnVectorBuilder(ColumnKind.Int32);
        var v = new ColumnVectorBuilder(ColumnKind.String);
        var at = new ColumnVectorBuilder(ColumnKind.Timestamp);
        var count = 0;
        foreach (var key in keys)
        {
            k.AppendInt32(key);
            v.AppendString("value " + key);
            at.AppendInt64(1_700_000_000_000_000L + key);
            count++;
        }

        id ??= "batch-" + string.Join("-", keys.Take(1)) + "-" + count;
        return new RecordBatch(id, count, [k.Build(), v.Build(), at.Build()], new ContractStamp(Parsed.Version, Items.Hash),
            Enumerable.Range(0, count).ToArray(), "request-" + id + body);
    }
}

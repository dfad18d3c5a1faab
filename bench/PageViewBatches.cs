using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Bench;

/// <summary>
/// Page-view record batches built straight into column vectors, for benchmarks that drive a shard
/// without the gateway; each column is filled by its name, so schema.yaml's page_views and a
/// benchmark's own narrower copy of it both work.
/// </summary>
public static class PageViewBatches
{
    private const long BaseMicros = 1_767_225_600_000_000L;

    /// <summary>A batch of <paramref name="rows"/> new page views; event times continue from row <paramref name="first"/>.</summary>
    public static RecordBatch Create(DatasetDefinition dataset, ContractDefinition contract, Random random, int first, int rows, bool timeOrderedKeys = false)
    {
        var builders = dataset.Columns.Select(c => new ColumnVectorBuilder(c.Type.Kind, rows)).ToArray();
        for (var i = 0; i < rows; i++)
        {
            foreach (var column in dataset.Columns)
            {
                Append(builders[column.Ordinal], column.Name, random, first + i, timeOrderedKeys);
            }
        }

        var id = Guid.NewGuid().ToString("N");
        return new RecordBatch(id, rows, builders.Select(b => b.Build()).ToArray(), new ContractStamp(contract.Version, dataset.Hash), Enumerable.Range(0, rows).ToArray(), id);
    }

    private static void Append(ColumnVectorBuilder builder, string column, Random random, int n, bool timeOrderedKeys)
    {
        switch (column)
        {
            case "event_id": builder.AppendUuid(timeOrderedKeys ? Guid.CreateVersion7() : Guid.NewGuid()); break;
            case "ts": builder.AppendInt64(BaseMicros + (n * 1_000L)); break;
            case "user_id": builder.AppendString($"user-{random.Next(100_000)}"); break;
            case "page": builder.AppendString(random.Next(6) switch { 0 => "/home", 1 => "/search", 2 => "/cart", 3 => "/checkout", 4 => "/help", _ => "/about" }); break;
            case "country" when random.Next(5) == 0: builder.AppendNull(); break;
            case "country": builder.AppendString(random.Next(3) switch { 0 => "DE", 1 => "US", _ => "BR" }); break;
            case "duration_ms": builder.AppendInt32(random.Next(600_000)); break;
            case "bytes": builder.AppendInt64(random.NextInt64(5_000_000_000L)); break;
            case "revenue" when random.Next(4) == 0: builder.AppendNull(); break;
            case "revenue": builder.AppendDecimal(random.Next(10_000_000) / 100m); break;
            case "bot": builder.AppendBool(random.Next(10) == 0); break;
            case "score": builder.AppendFloat64(random.NextDouble()); break;
            case "day": builder.AppendInt32(20_454 + random.Next(30)); break;
            default: throw new ArgumentException($"no generator for column '{column}'", nameof(column));
        }
    }
}

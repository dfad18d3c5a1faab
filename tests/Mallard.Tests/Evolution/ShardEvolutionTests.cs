using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Evolution;

/// <summary>Shards brought from one contract version to the next on open, as a partition activation does.</summary>
public sealed class ShardEvolutionTests : IDisposable
{
    private const string V1 = """
        version: 1
        datasets:
          events:
            key: [id]
            partition_by: [kind]
            partitions: 1
            columns:
              id:     { type: int64 }
              kind:   { type: string }
              qty:    { type: int64 }
              amount: { type: "decimal(10,2)" }
              note:   { type: string, nullable: true }
        """;

    private readonly TempDirectory _data = new("mallard-evolution");

    [Fact]
    public void Open_adds_a_column_online_old_rows_read_null_and_new_rows_land_in_the_right_columns()
    {
        Append(V1, Rows(1, 10, withChannel: false));
        var v2 = V1.Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("      kind:", "      channel: { type: string, nullable: true }\n      kind:", StringComparison.Ordinal)
            .Replace("decimal(10,2)", "decimal(14,2)", StringComparison.Ordinal);

        using (var shard = Open(v2))
        {
            Assert.Equal(
                [EvolutionStepKind.WidenType, EvolutionStepKind.AddColumn],
                shard.AppliedSteps.Select(s => s.Kind));
            shard.Append(Batch(v2, Rows(11, 5, withChannel: true)));
        }

        var rows = ReadAll(v2);
        Assert.Equal(15, rows.Count);
        Assert.All(rows.Take(10), r => Assert.Null(r["channel"]));
        Assert.All(rows.Skip(10), r => Assert.Equal($"web-{r["id"]}", r["channel"]));
        Assert.All(rows, r => Assert.Equal($"kind-{(long)r["id"]! % 3}", r["kind"]));
        Assert.All(rows, r => Assert.Equal((long)r["id"]! * 10, r["qty"]));
        Assert.All(rows, r => Assert.Equal((long)r["id"]! + 0.25m, r["amount"]));
    }

    [Fact]
    public void Open_rename_and_drop_migrations_keep_every_other_value_intact()
    {
        Append(V1, Rows(1, 20, withChannel: false));
        var before = ReadAll(V1);
        var v3 = V1.Replace("version: 1", "version: 3", StringComparison.Ordinal)
            .Replace("note:", "remark:", StringComparison.Ordinal)
            .Replace("      qty:    { type: int64 }\n", "", StringComparison.Ordinal)
            + """

            migrations:
              - version: 2
                dataset: events
                rename_column: { from: note, to: remark }
              - version: 3
                dataset: events
                drop_column: { name: qty, acknowledge_data_loss: true }
            """;

        using (var shard = Open(v3))
        {
            Assert.Equal([EvolutionStepKind.RenameColumn, EvolutionStepKind.DropColumn], shard.AppliedSteps.Select(s => s.Kind));
        }

        var after = ReadAll(v3);
        Assert.Equal(before.Select(r => (r["id"], r["kind"], r["amount"], r["note"])), after.Select(r => (r["id"], r["kind"], r["amount"], r["remark"])));
        Assert.All(after, r => Assert.False(r.ContainsKey("qty")));
    }

    [Fact]
    public void Open_type_change_converts_every_row_when_all_fit()
    {
        Append(V1, Rows(1, 20, withChannel: false));
        var v2 = WithQtyAsInt32();

        using (var shard = Open(v2))
        {
            Assert.Equal([EvolutionStepKind.CastType], shard.AppliedSteps.Select(s => s.Kind));
        }

        Assert.All(ReadAll(v2), r => Assert.Equal((int)((long)r["id"]! * 10), r["qty"]));
    }

    [Fact]
    public void Open_type_change_with_one_unconvertible_row_aborts_and_leaves_the_shard_as_it_was()
    {
        var rows = Rows(1, 20, withChannel: false);
        rows[7][2] = 3_000_000_000L;
        Append(V1, rows);
        var before = ReadAll(V1);

        var error = Assert.Throws<PartitionException>(() => Open(WithQtyAsInt32()).Dispose());

        Assert.Equal("migration_failed", error.Code);
        Assert.Contains("3000000000", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, ReadAll(V1));
        using var reopened = Open(V1);
        Assert.Empty(reopened.AppliedSteps);
    }

    [Fact]
    public void Open_shard_altered_by_hand_is_refused_as_drift_naming_the_column()
    {
        Append(V1, Rows(1, 3, withChannel: false));
        using (var connection = new DuckDBConnection($"Data Source={ShardPath()}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE events ADD COLUMN sneaky INTEGER";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<PartitionException>(() => Open(V1).Dispose());

        Assert.Equal("shard_drift", error.Code);
        Assert.Contains("column 'sneaky' (INTEGER) is not in the contract", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_breaking_change_without_migration_is_refused_and_touches_nothing()
    {
        Append(V1, Rows(1, 3, withChannel: false));
        var bytes = File.ReadAllBytes(ShardPath());
        var broken = V1.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("note:", "remark:", StringComparison.Ordinal);

        var error = Assert.Throws<PartitionException>(() => Open(broken).Dispose());

        Assert.Equal("contract_breaking", error.Code);
        Assert.Contains("column 'note' was removed or renamed without a migration", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, ReadAll(V1).Count);
        Assert.Equal(bytes.Length, File.ReadAllBytes(ShardPath()).Length);
    }

    public void Dispose() => _data.Dispose();

    private static string WithQtyAsInt32() =>
        V1.Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("qty:    { type: int64 }", "qty:    { type: int32 }", StringComparison.Ordinal)
        + "\nmigrations:\n  - version: 2\n    dataset: events\n    change_type: { column: qty, to: int32 }\n";

    private string ShardPath() => Path.Combine(_data.Path, "shards", "events", "0.duckdb");

    private Shard Open(string yaml)
    {
        var contract = ContractLoader.Parse(yaml, "schema.yaml");
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = _data.Path }), contract);
        return catalog.Open(contract.Datasets["events"], 0);
    }

    private void Append(string yaml, List<object?[]> rows)
    {
        using var shard = Open(yaml);
        shard.Append(Batch(yaml, rows));
    }

    private List<Dictionary<string, object?>> ReadAll(string yaml)
    {
        var contract = ContractLoader.Parse(yaml, "schema.yaml");
        var dataset = contract.Datasets["events"];
        using var shard = Open(yaml);
        var names = dataset.Columns.Select(c => c.Name).ToArray();
        var result = shard.Query(new PartitionQuery("events", [], names, [], [], [new QueryOrder("id", false)], 10_000, new ContractStamp(contract.Version, dataset.Hash)));
        return Enumerable.Range(0, result.RowCount)
            .Select(row => names.Select((n, c) => (n, v: result.Vectors[c].GetValue(row))).ToDictionary(x => x.n, x => x.v))
            .ToList();
    }

    // Rows as (id, kind, qty, amount, note, channel); a contract without channel ignores it.
    private static List<object?[]> Rows(long first, int count, bool withChannel) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var id = first + i;
            return new object?[] { id, $"kind-{id % 3}", id * 10, id + 0.25m, id % 2 == 0 ? null : $"note {id}", withChannel ? $"web-{id}" : null };
        }).ToList();

    private static RecordBatch Batch(string yaml, List<object?[]> rows)
    {
        var contract = ContractLoader.Parse(yaml, "schema.yaml");
        var dataset = contract.Datasets["events"];
        var source = new Dictionary<string, int> { ["id"] = 0, ["kind"] = 1, ["qty"] = 2, ["amount"] = 3, ["note"] = 4, ["remark"] = 4, ["channel"] = 5 };
        var vectors = dataset.Columns.Select(column =>
        {
            var builder = new ColumnVectorBuilder(column.Type.Kind);
            foreach (var row in rows)
            {
                switch (row[source[column.Name]])
                {
                    case null: builder.AppendNull(); break;
                    case string s: builder.AppendString(s); break;
                    case long l when column.Type.Kind == ColumnKind.Int32: builder.AppendInt32((int)l); break;
                    case long l: builder.AppendInt64(l); break;
                    case decimal d: builder.AppendDecimal(d); break;
                }
            }

            return builder.Build();
        }).ToArray();
        return new RecordBatch(Guid.NewGuid().ToString("N"), rows.Count, vectors, new ContractStamp(contract.Version, dataset.Hash), Enumerable.Range(0, rows.Count).ToArray(), "test-request");
    }
}

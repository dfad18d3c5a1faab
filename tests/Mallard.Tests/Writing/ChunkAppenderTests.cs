using System.Globalization;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Writing;

/// <summary>
/// The column-at-a-time appender writes each contract type's bytes in DuckDB's own layout: what
/// DuckDB reads back, as text, is the value that was sent, for every kind, with nulls, for a subset
/// of rows in their order, across several of DuckDB's 2,048-row chunks.
/// </summary>
public sealed class ChunkAppenderTests : IDisposable
{
    private const string Contract = """
        version: 1
        datasets:
          every_kind:
            key: [id]
            partition_by: [id]
            partitions: 1
            columns:
              id:      { type: int64 }
              name:    { type: string, nullable: true }
              label:   { type: string, nullable: true }
              flag:    { type: bool, nullable: true }
              small:   { type: int32, nullable: true }
              ratio:   { type: float64, nullable: true }
              d4:      { type: "decimal(4,2)", nullable: true }
              d9:      { type: "decimal(9,3)", nullable: true }
              d18:     { type: "decimal(18,2)", nullable: true }
              d28:     { type: "decimal(28,6)", nullable: true }
              at:      { type: timestamp, nullable: true }
              day:     { type: date, nullable: true }
              ref:     { type: uuid, nullable: true }
        """;

    private static readonly DatasetDefinition Dataset = ContractLoader.Parse(Contract, "every_kind.yaml").Datasets["every_kind"];

    private readonly TempDirectory _folder = new("mallard-chunk-appender");
    private readonly DuckDBConnection _connection;

    public ChunkAppenderTests()
    {
        _connection = new DuckDBConnection($"Data Source={Path.Combine(_folder.Path, "t.duckdb")}");
        _connection.Open();
        Execute(ShardSql.CreateDataTable(Dataset));
    }

    [Fact]
    public void Append_everyKindWithNulls_acrossChunks_readsBackAsSent()
    {
        var rows = 5_000;
        var batch = Batch(rows, utf8Strings: true);
        var picked = Enumerable.Range(0, rows).Where(row => row % 7 != 3).ToList();

        using (var transaction = _connection.BeginTransaction())
        {
            using var appender = ChunkAppender.Create(_connection, Dataset.Name, Dataset, Enumerable.Range(0, Dataset.Columns.Count).ToArray());
            appender.Append(batch, picked);
            appender.Flush();
            transaction.Commit();
        }

        Assert.Equal(picked.Select(row => Expected(batch, row)), ReadBack());
    }

    [Fact]
    public void Append_stringsAsDotNetStrings_readBackAsSent()
    {
        var batch = Batch(300, utf8Strings: false);
        Assert.Null(batch.Columns[1].Utf8);
        var all = Enumerable.Range(0, 300).ToList();

        using (var appender = ChunkAppender.Create(_connection, Dataset.Name, Dataset, Enumerable.Range(0, Dataset.Columns.Count).ToArray()))
        {
            appender.Append(batch, all);
            appender.Flush();
        }

        Assert.Equal(all.Select(row => Expected(batch, row)), ReadBack());
    }

    [Fact]
    public void Append_toATableInAnotherColumnOrder_writesEachColumnWhereItIs()
    {
        // A table whose columns were added online keeps them in another order than the contract's.
        Execute("DROP TABLE every_kind");
        var physical = Dataset.Columns.Reverse().ToArray();
        Execute("CREATE TABLE every_kind (" + string.Join(", ", physical.Select(c => $"{ShardSql.Quote(c.Name)} {ShardSql.DuckDbType(c.Type)}")) + ")");
        var batch = Batch(100, utf8Strings: true);

        using (var appender = ChunkAppender.Create(_connection, Dataset.Name, Dataset, physical.Select(c => c.Ordinal).ToArray()))
        {
            appender.Append(batch, Enumerable.Range(0, 100).ToList());
            appender.Flush();
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(row => Expected(batch, row)), ReadBack());
    }

    [Fact]
    public void Append_nullIntoRequiredColumn_isRefusedAsDuckDbConstraintError()
    {
        var id = new ColumnVectorBuilder(ColumnKind.Int64);
        id.AppendInt64(1);
        id.AppendNull();
        var batch = Batch(2, utf8Strings: true) with { Columns = [id.Build(), .. Batch(2, utf8Strings: true).Columns.Skip(1)] };

        using var appender = ChunkAppender.Create(_connection, Dataset.Name, Dataset, Enumerable.Range(0, Dataset.Columns.Count).ToArray());
        var error = Assert.Throws<DuckDBException>(() =>
        {
            appender.Append(batch, [0, 1]);
            appender.Flush();
        });

        Assert.True(DuckDbErrors.IsConstraintViolation(error), error.Message);
    }

    [Fact]
    public void Create_onATableWhoseColumnTypeDiffers_namesTheColumn()
    {
        Execute("DROP TABLE every_kind");
        Execute(ShardSql.CreateDataTable(Dataset).Replace("\"small\" INTEGER", "\"small\" BIGINT", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => ChunkAppender.Create(_connection, Dataset.Name, Dataset, Enumerable.Range(0, Dataset.Columns.Count).ToArray()));

        Assert.Contains("'small'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _connection.Dispose();
        _folder.Dispose();
    }

    // Every nullable column has a null in every fifth row (at a different offset per column).
    private static RecordBatch Batch(int rows, bool utf8Strings)
    {
        var builders = Dataset.Columns.Select(c => new ColumnVectorBuilder(c.Type.Kind, rows)).ToArray();
        var random = new Random(rows);
        for (var row = 0; row < rows; row++)
        {
            builders[0].AppendInt64(row * 1_000_003L - 7);
            for (var c = 1; c < builders.Length; c++)
            {
                if ((row + c) % 5 == 0)
                {
                    builders[c].AppendNull();
                    continue;
                }

                var b = builders[c];
                switch (Dataset.Columns[c].Name)
                {
                    case "name" or "label":
                        var text = row % 3 == 0 ? "" : $"näme-{row}-€-{new string('x', row % 40)}";
                        if (utf8Strings)
                        {
                            b.AppendUtf8(System.Text.Encoding.UTF8.GetBytes(text));
                        }
                        else
                        {
                            b.AppendString(text);
                        }

                        break;
                    case "flag": b.AppendBool(row % 2 == 0); break;
                    case "small": b.AppendInt32(row % 2 == 0 ? int.MinValue + row : int.MaxValue - row); break;
                    case "ratio": b.AppendFloat64(row * -0.125 + 1e300 / (row + 1)); break;
                    case "d4": b.AppendDecimal(Math.Round((decimal)(random.NextDouble() * 199.98 - 99.99), 2)); break;
                    case "d9": b.AppendDecimal(Math.Round((decimal)(random.NextDouble() * 1_999_998 - 999_999), 3)); break;
                    case "d18": b.AppendDecimal((row % 2 == 0 ? -1 : 1) * (9_999_999_999_999_999.99m - row)); break;
                    case "d28": b.AppendDecimal((row % 2 == 0 ? -1 : 1) * (9_999_999_999_999_999_999.999999m - row)); break;
                    case "at": b.AppendInt64((row % 2 == 0 ? -1 : 1) * (1_700_000_000_000_000L + row * 1_234_567L)); break;
                    case "day": b.AppendInt32(row % 2 == 0 ? -719_162 + row : 2_932_896 - row); break;
                    case "ref": b.AppendUuid(row % 4 == 1 ? Guid.Empty : row % 4 == 2 ? Guid.AllBitsSet : new Guid(random.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 16))); break;
                    default: throw new InvalidOperationException(Dataset.Columns[c].Name);
                }
            }
        }

        return new RecordBatch("b", rows, builders.Select(b => b.Build()).ToArray(), new ContractStamp(1, Dataset.Hash), Enumerable.Range(0, rows).ToArray(), "h");
    }

    // A row as DuckDB prints it, written from the sent values with the contract's own formatting.
    private static string Expected(RecordBatch batch, int row) => string.Join("|", Dataset.Columns.Select(c =>
    {
        var vector = batch.Columns[c.Ordinal];
        if (vector.IsNull(row))
        {
            return "NULL";
        }

        return c.Type.Kind switch
        {
            ColumnKind.String => vector.GetValue(row)!.ToString()!,
            ColumnKind.Bool => vector.Bools![row] ? "true" : "false",
            ColumnKind.Int32 or ColumnKind.Int64 => Convert.ToString(vector.GetValue(row), CultureInfo.InvariantCulture)!,
            ColumnKind.Float64 => vector.Float64s![row].ToString("R", CultureInfo.InvariantCulture),
            ColumnKind.Decimal => ValueText.FormatDecimal(vector.Decimals![row], c.Type.Scale),
            ColumnKind.Timestamp => vector.Int64s![row].ToString(CultureInfo.InvariantCulture),
            ColumnKind.Date => vector.Int32s![row].ToString(CultureInfo.InvariantCulture),
            ColumnKind.Uuid => vector.Uuids![row].ToString(),
            _ => throw new InvalidOperationException(c.Name),
        };
    }));

    private List<string> ReadBack()
    {
        var select = string.Join(", ", Dataset.Columns.Select(c => c.Type.Kind switch
        {
            ColumnKind.Timestamp => $"CAST(epoch_us({ShardSql.Quote(c.Name)}) AS VARCHAR)",
            ColumnKind.Date => $"CAST(date_diff('day', DATE '1970-01-01', {ShardSql.Quote(c.Name)}) AS VARCHAR)",
            ColumnKind.Float64 => $"CAST({ShardSql.Quote(c.Name)} AS VARCHAR)",
            _ => $"CAST({ShardSql.Quote(c.Name)} AS VARCHAR)",
        }));
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT {select} FROM every_kind ORDER BY rowid";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : NormalizeDouble(Dataset.Columns[i], reader.GetString(i)))));
        }

        return rows;
    }

    // DuckDB prints doubles in its own shortest form; compared as the double it parses to.
    private static string NormalizeDouble(ColumnDefinition column, string text) =>
        column.Type.Kind == ColumnKind.Float64 ? double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) : text;

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

using Mallard.Contract;
using Mallard.Tests.Support;

namespace Mallard.Tests.Contract;

public sealed class ContractLoaderTests
{
    private const string Valid = """
        version: 3
        datasets:
          orders:
            key: [order_id]
            partition_by: [customer]
            partitions: 4
            time: placed_at
            columns:
              order_id:  { type: uuid }
              customer:  { type: string }
              placed_at: { type: timestamp }
              total:     { type: "decimal(12,2)", nullable: true }
        """;

    [Fact]
    public void LoadFile_repository_schema_is_accepted_as_written()
    {
        var contract = ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml"));

        Assert.Equal(1, contract.Version);
        var pageViews = contract.Datasets["page_views"];
        Assert.Equal(["event_id"], pageViews.Key);
        Assert.Equal(["user_id"], pageViews.PartitionBy);
        Assert.Equal(8, pageViews.Partitions);
        Assert.Equal("ts", pageViews.TimeColumn);
        Assert.Equal(
            ["event_id uuid", "ts timestamp", "user_id string", "page string", "country string?", "duration_ms int32",
             "bytes int64", "revenue decimal(12,2)?", "bot bool", "score float64?", "day date"],
            pageViews.Columns.Select(c => $"{c.Name} {c.Type}{(c.Nullable ? "?" : "")}"));
    }

    [Fact]
    public void Parse_valid_contract_keeps_column_order_and_types()
    {
        var contract = ContractLoader.Parse(Valid, "c.yaml");

        var orders = contract.Datasets["orders"];
        Assert.Equal(3, contract.Version);
        Assert.Equal(["order_id", "customer", "placed_at", "total"], orders.Columns.Select(c => c.Name));
        Assert.Equal(ColumnType.Decimal(12, 2), orders.Columns[3].Type);
        Assert.True(orders.Columns[3].Nullable);
        Assert.Equal([1], orders.PartitionByOrdinals);
    }

    [Theory]
    [InlineData("unknown top-level key", "version: 1\nowner: me\ndatasets: {}", 2, "unknown key 'owner'")]
    [InlineData("unknown dataset key", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    colums: {}\n", 7, "unknown key 'colums'")]
    [InlineData("unknown type", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: strng }\n", 8, "unknown type 'strng'")]
    [InlineData("unknown column key", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string, null: true }\n", 8, "unknown key 'null'")]
    [InlineData("key column missing", "version: 1\ndatasets:\n  d:\n    key: [b]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string }\n", 4, "key names column 'b', which is not declared")]
    [InlineData("time column not a timestamp", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    time: a\n    columns:\n      a: { type: string }\n", 7, "time column 'a' must be a timestamp")]
    [InlineData("duplicate column name", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string }\n      a: { type: int32 }\n", 9, "Duplicate key")]
    [InlineData("duplicate key entry", "version: 1\ndatasets:\n  d:\n    key: [a, a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string }\n", 4, "names column 'a' twice")]
    [InlineData("bad identifier", "version: 1\ndatasets:\n  Bad-Name:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string }\n", 3, "not a valid identifier")]
    [InlineData("nullable key column", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string, nullable: true }\n", 4, "must not be nullable")]
    [InlineData("zero partitions", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 0\n    columns:\n      a: { type: string }\n", 6, "partitions must be between 1")]
    [InlineData("decimal too wide", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: string }\n      b: { type: \"decimal(40,2)\" }\n", 9, "decimal precision must be between 1 and 28")]
    [InlineData("version not a number", "version: one\ndatasets: {}", 1, "version must be an integer")]
    public void Parse_malformed_contract_names_file_line_and_problem(string what, string yaml, int line, string problem)
    {
        var error = Assert.Throws<ContractException>(() => ContractLoader.Parse(yaml, "/etc/mallard/schema.yaml"));

        Assert.True(error.Line == line, $"{what}: expected line {line}, got {error.Line} ({error.Message})");
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"/etc/mallard/schema.yaml:{line}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_missing_file_is_a_contract_error()
    {
        var error = Assert.Throws<ContractException>(() => ContractLoader.LoadFile("/nonexistent/schema.yaml"));

        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }
}

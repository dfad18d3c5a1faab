using System.Globalization;
using System.Net;
using System.Text.Json;
using Mallard.Cli;
using Mallard.Contract;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Conformance;

/// <summary>
/// Proof that the generated types match the bytes in DuckDB: boundary values of every type go in
/// through the real gateway, are read back from the shard files by DuckDB's own Node.js client,
/// and come back through the gateway as JSON that must type-check against the generated types.ts.
/// </summary>
public sealed class TypeConformanceTests : IAsyncLifetime
{
    private const string Contract = """
        version: 1
        datasets:
          conformance:
            description: Every contract type, nullable, keyed by id.
            key: [id]
            partition_by: [id]
            partitions: 2
            columns:
              id:  { type: int32 }
              s:   { type: string, nullable: true }
              b:   { type: bool, nullable: true }
              i32: { type: int32, nullable: true }
              i64: { type: int64, nullable: true }
              f64: { type: float64, nullable: true }
              d:   { type: "decimal(28,10)", nullable: true }
              d2:  { type: "decimal(5,2)", nullable: true }
              ts:  { type: timestamp, nullable: true }
              dt:  { type: date, nullable: true }
              u:   { type: uuid, nullable: true }
        """;

    // Each value: the JSON sent, the JSON the gateway must return, and DuckDB's own text for the stored value.
    private static readonly Dictionary<int, Dictionary<string, (string Sent, string Returned, string? Stored)>> Values = new()
    {
        [1] = new()
        {
            ["s"] = ("\"🦆 duck 日本 é\"", "\"🦆 duck 日本 é\"", "🦆 duck 日本 é"),
            ["b"] = ("true", "true", "true"),
            ["i32"] = ("2147483647", "2147483647", "2147483647"),
            ["i64"] = ("\"9223372036854775807\"", "\"9223372036854775807\"", "9223372036854775807"),
            ["f64"] = ("1.7976931348623157e308", "1.7976931348623157E+308", "1.7976931348623157e+308"),
            ["d"] = ("\"999999999999999999.9999999999\"", "\"999999999999999999.9999999999\"", "999999999999999999.9999999999"),
            ["d2"] = ("\"999.99\"", "\"999.99\"", "999.99"),
            ["ts"] = ("\"9999-12-31T23:59:59.999999Z\"", "\"9999-12-31T23:59:59.999999Z\"", Micros("9999-12-31T23:59:59.9999990+00:00")),
            ["dt"] = ("\"9999-12-31\"", "\"9999-12-31\"", Days("9999-12-31")),
            ["u"] = ("\"ffffffff-ffff-ffff-ffff-ffffffffffff\"", "\"ffffffff-ffff-ffff-ffff-ffffffffffff\"", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
        },
        [2] = new()
        {
            ["s"] = ("\"\"", "\"\"", ""),
            ["b"] = ("false", "false", "false"),
            ["i32"] = ("-2147483648", "-2147483648", "-2147483648"),
            ["i64"] = ("\"-9223372036854775808\"", "\"-9223372036854775808\"", "-9223372036854775808"),
            ["f64"] = ("-5e-324", "-5E-324", "-5e-324"),
            ["d"] = ("\"-999999999999999999.9999999999\"", "\"-999999999999999999.9999999999\"", "-999999999999999999.9999999999"),
            ["d2"] = ("\"-999.99\"", "\"-999.99\"", "-999.99"),
            ["ts"] = ("\"0001-01-01T00:00:00Z\"", "\"0001-01-01T00:00:00.000000Z\"", Micros("0001-01-01T00:00:00+00:00")),
            ["dt"] = ("\"0001-01-01\"", "\"0001-01-01\"", Days("0001-01-01")),
            ["u"] = ("\"00000000-0000-0000-0000-000000000000\"", "\"00000000-0000-0000-0000-000000000000\"", "00000000-0000-0000-0000-000000000000"),
        },
        [3] = new()
        {
            ["s"] = ("\"quote \\\" backslash \\\\ newline \\n tab \\t\"", "\"quote \\\" backslash \\\\ newline \\n tab \\t\"", "quote \" backslash \\ newline \n tab \t"),
            ["i64"] = ("9007199254740993", "\"9007199254740993\"", "9007199254740993"),
            ["f64"] = ("0.1", "0.1", "0.1"),
            ["d"] = ("\"-0.0000000001\"", "\"-0.0000000001\"", "-0.0000000001"),
            ["d2"] = ("\"0.05\"", "\"0.05\"", "0.05"),
            ["ts"] = ("\"1969-12-31T23:59:59.999999Z\"", "\"1969-12-31T23:59:59.999999Z\"", Micros("1969-12-31T23:59:59.9999990+00:00")),
            ["dt"] = ("\"1970-01-01\"", "\"1970-01-01\"", "0"),
            ["u"] = ("\"0B6F3C1E-8D1A-4C39-9A5E-1F2D3C4B5A60\"", "\"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60\"", "0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60"),
        },
        [4] = new()
        {
            ["i64"] = ("\"0\"", "\"0\"", "0"),
            ["f64"] = ("-0.0", "-0", "-0.0"),
            ["d2"] = ("12.5", "\"12.50\"", "12.50"),
            ["ts"] = ("\"2026-01-01T02:00:00.000001+02:00\"", "\"2026-01-01T00:00:00.000001Z\"", Micros("2026-01-01T00:00:00.0000010+00:00")),
            ["dt"] = ("\"1969-12-31\"", "\"1969-12-31\"", "-1"),
        },
        [5] = new(),
    };

    private static readonly Dictionary<string, string> DuckDbTypes = new()
    {
        ["id"] = "INTEGER", ["s"] = "VARCHAR", ["b"] = "BOOLEAN", ["i32"] = "INTEGER", ["i64"] = "BIGINT", ["f64"] = "DOUBLE",
        ["d"] = "DECIMAL(28,10)", ["d2"] = "DECIMAL(5,2)", ["ts"] = "TIMESTAMP", ["dt"] = "DATE", ["u"] = "UUID",
    };

    private readonly TempDirectory _folder = new("mallard-conformance");
    private readonly MallardHosts _hosts = new();

    public async Task InitializeAsync()
    {
        _hosts.SchemaPath = _folder.Write("schema.yaml", Contract);
        await _hosts.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Every_type_round_trips_through_gateway_shard_and_generated_types()
    {
        var records = Values.Select(r => "{\"id\":" + r.Key.ToString(CultureInfo.InvariantCulture)
            + string.Concat(r.Value.Select(v => $",\"{v.Key}\":{v.Value.Sent}")) + "}");
        using (var ingest = await _hosts.PostJsonAsync("/v1/datasets/conformance/records", "[" + string.Join(",", records) + "]"))
        {
            Assert.Equal(Values.Count, (await HttpJson.ReadJsonAsync(ingest, HttpStatusCode.OK)).GetProperty("accepted").GetInt32());
        }

        using var query = await _hosts.PostJsonAsync("/v1/datasets/conformance/query", """{"orderBy":[{"column":"id"}]}""");
        var responseText = await query.Content.ReadAsStringAsync();
        Assert.True(query.StatusCode == HttpStatusCode.OK, responseText);
        AssertReturnedAsSent(JsonDocument.Parse(responseText).RootElement);

        await _hosts.StopAsync();
        await AssertStoredAsSentAsync();

        // types.ts takes the shapes every dataset shares from the gateway's generated OpenAPI types.
        _folder.Write("openapi.ts", File.ReadAllText(RepositoryPaths.File("web", "src", "generated", "openapi.ts")));
        var types = _folder.Write("types.ts", TypeScriptGenerator.Generate(ContractLoader.Parse(Contract, "schema.yaml"), "schema.yaml"));
        var check = _folder.Write("conformance.ts",
            $"import type {{ ConformanceRow, QueryResponse }} from \"./types\";\nexport const response: QueryResponse<ConformanceRow> = {responseText};\n");
        var (exitCode, output) = await NodeTools.TypeCheckAsync(check);
        Assert.True(exitCode == 0, $"the gateway's JSON does not type-check against the generated {types}:\n{output}");

        // The same check must fail when one mapping is wrong: int64 as a JSON number would lose digits.
        _folder.Write("types.ts", TypeScriptGenerator.Generate(
            ContractLoader.Parse(Contract, "schema.yaml"), "schema.yaml", t => t.Kind == ColumnKind.Int64 ? "number" : TypeScriptGenerator.TypeOf(t)));
        var (brokenExit, brokenOutput) = await NodeTools.TypeCheckAsync(check);
        Assert.True(brokenExit != 0, "a broken int64 mapping type-checked: the conformance check proves nothing");
        Assert.Contains("is not assignable to type 'number'", brokenOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ts", "\"2026-01-01T00:00:00.0000001Z\"", "too_precise")]
    [InlineData("d", "\"1.00000000001\"", "too_precise")]
    [InlineData("d2", "\"1000.00\"", "out_of_range")]
    [InlineData("dt", "\"10000-01-01\"", "invalid_format")]
    [InlineData("i64", "9223372036854775808", "out_of_range")]
    [InlineData("i32", "2147483648", "out_of_range")]
    [InlineData("f64", "1e309", "out_of_range")]
    public async Task Values_that_cannot_be_stored_exactly_are_422_naming_the_field(string field, string json, string code)
    {
        using var response = await _hosts.PostJsonAsync("/v1/datasets/conformance/records", $"[{{\"id\":1}},{{\"id\":2,\"{field}\":{json}}}]");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((1, field, code), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("code").GetString()));
    }

    private static void AssertReturnedAsSent(JsonElement response)
    {
        Assert.Equal(
            DuckDbTypes.Keys.Select(k => (k, k switch
            {
                "id" or "i32" => "int32", "s" => "string", "b" => "bool", "i64" => "int64", "f64" => "float64",
                "d" => "decimal(28,10)", "d2" => "decimal(5,2)", "ts" => "timestamp", "dt" => "date", _ => "uuid",
            })),
            response.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("type").GetString()!)));
        var rows = response.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(Values.Keys.Order(), rows.Select(r => r.GetProperty("id").GetInt32()));
        foreach (var row in rows)
        {
            var expected = Values[row.GetProperty("id").GetInt32()];
            foreach (var column in DuckDbTypes.Keys.Where(k => k != "id"))
            {
                var returnedElement = row.GetProperty(column);
                var want = expected.TryGetValue(column, out var value) ? value.Returned : "null";
                // Strings compare by value (escaping is the encoder's choice); everything else by its exact JSON text.
                var returned = returnedElement.ValueKind == JsonValueKind.String
                    ? JsonSerializer.Serialize(returnedElement.GetString())
                    : returnedElement.GetRawText();
                want = want.StartsWith('"') ? JsonSerializer.Serialize(JsonDocument.Parse(want).RootElement.GetString()) : want;
                Assert.True(want == returned, $"row {row.GetProperty("id")} column {column}: expected {want}, the gateway returned {returned}");
            }
        }
    }

    private async Task AssertStoredAsSentAsync()
    {
        var stored = new Dictionary<int, Dictionary<string, string?>>();
        foreach (var shard in Directory.GetFiles(Path.Combine(_hosts.DataDirectory, "shards", "conformance"), "*.duckdb"))
        {
            var (exitCode, output) = await NodeTools.RunAsync("node", Path.Combine(NodeTools.Web, "conformance", "read-shard.mjs"), shard, "conformance");
            Assert.True(exitCode == 0, output);
            var document = JsonDocument.Parse(output).RootElement;
            var columns = document.GetProperty("columns").EnumerateArray()
                .Select(c => (Name: c.GetProperty("name").GetString()!, Type: c.GetProperty("type").GetString()!)).ToList();
            Assert.Equal(DuckDbTypes.Select(t => (t.Key, t.Value)), columns);
            foreach (var row in document.GetProperty("rows").EnumerateArray())
            {
                var values = row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToList();
                stored.Add(int.Parse(values[0]!, CultureInfo.InvariantCulture), columns.Select((c, i) => (c.Name, values[i])).ToDictionary(x => x.Name, x => x.Item2));
            }
        }

        Assert.Equal(Values.Keys.Order(), stored.Keys.Order());
        foreach (var (id, expected) in Values)
        {
            foreach (var column in DuckDbTypes.Keys.Where(k => k != "id"))
            {
                var want = expected.TryGetValue(column, out var value) ? value.Stored : null;
                var got = stored[id][column];
                var same = column == "f64" && want is not null && got is not null
                    ? BitConverter.DoubleToInt64Bits(double.Parse(want, CultureInfo.InvariantCulture)) == BitConverter.DoubleToInt64Bits(double.Parse(got, CultureInfo.InvariantCulture))
                    : want == got;
                Assert.True(same, $"row {id} column {column}: expected DuckDB to hold {want ?? "NULL"}, it holds {got ?? "NULL"}");
            }
        }
    }

    private static string Micros(string roundTrip) =>
        ((DateTimeOffset.Parse(roundTrip, CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) / 10).ToString(CultureInfo.InvariantCulture);

    private static string Days(string date) =>
        (DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - new DateOnly(1970, 1, 1).DayNumber).ToString(CultureInfo.InvariantCulture);
}

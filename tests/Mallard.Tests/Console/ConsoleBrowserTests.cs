using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>
/// The web console in a real browser (Debian's Chromium, headless) against a real silo and gateway
/// without keys: what it shows is compared with what the API answers, value by value.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private const string User = "console-user";

    // int64 above 2^53 and at its limit, decimals with trailing zeros, microsecond timestamps, nulls.
    private static readonly string[] Records =
    [
        """{"event_id":"00000000-0000-4000-8000-000000000001","ts":"2026-11-26T10:00:00.123456Z","user_id":"console-user","page":"/a","country":"NL","duration_ms":5,"bytes":"9007199254740993","revenue":"12.30","bot":false,"score":0.1,"day":"2026-11-26"}""",
        """{"event_id":"00000000-0000-4000-8000-000000000002","ts":"2026-11-26T10:00:01Z","user_id":"console-user","page":"/b","duration_ms":-7,"bytes":"9223372036854775807","revenue":"-0.05","bot":true,"score":1.5e300,"day":"2026-11-27"}""",
        """{"event_id":"00000000-0000-4000-8000-000000000003","ts":"1969-12-31T23:59:59.999999Z","user_id":"console-user","page":"/c","country":"NL","duration_ms":0,"bytes":"-9223372036854775808","bot":false,"day":"1969-12-31"}""",
    ];

    private readonly MallardHosts _hosts = new();

    private Uri Gateway => _hosts.Http.BaseAddress!;

    public async Task InitializeAsync()
    {
        await _hosts.StartAsync();
        using var response = await _hosts.PostAsync("/v1/datasets/page_views/records", string.Join('\n', Records), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Fact]
    public async Task ClusterView_showsEveryPartitionOfTheRunningSilo_asTheApiReportsIt()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "cluster");

        var api = JsonDocument.Parse(await _hosts.Http.GetStringAsync("/v1/cluster")).RootElement;
        var silo = api.GetProperty("silos").EnumerateArray().Single().GetProperty("address").GetString();
        var shown = page.GetProperty("partitions").EnumerateArray().ToDictionary(p => p.GetProperty("partition").GetString()!);
        Assert.Equal(8, shown.Count);
        foreach (var partition in api.GetProperty("partitions").EnumerateArray())
        {
            var id = $"{partition.GetProperty("dataset").GetString()}/{partition.GetProperty("partition").GetInt32()}";
            Assert.True(shown.TryGetValue(id, out var row), $"{id} is not shown");
            Assert.Equal(silo, row.GetProperty("silo").GetString());
            var cells = row.GetProperty("cells").EnumerateArray().Select(c => c.GetString()).ToArray();
            Assert.Equal(partition.GetProperty("rows").GetString(), cells[1]);
            Assert.Equal(partition.GetProperty("shardBytes").GetString(), cells[2]);
            Assert.Equal(partition.GetProperty("watermark").GetString() ?? "—", cells[4]);
        }

        Assert.Contains("tab-cluster", page.GetProperty("tabs").EnumerateArray().Select(t => t.GetString()));
        Assert.Empty(BrowserDriver.PageErrors(page));
    }

    [Fact]
    public async Task QueryTable_equalsTheApisAnswer_int64Above2To53_decimals_andMicroseconds()
    {
        var query = new JsonObject
        {
            ["select"] = new JsonArray("event_id", "ts", "bytes", "revenue", "score", "country", "bot", "duration_ms", "day"),
            ["filter"] = new JsonArray(new JsonObject { ["column"] = "user_id", ["op"] = "eq", ["value"] = User }),
            ["orderBy"] = new JsonArray(new JsonObject { ["column"] = "event_id" }),
        };

        var page = await BrowserDriver.RunAsync(Gateway, "query", new JsonObject { ["dataset"] = "page_views", ["query"] = query.DeepClone() });

        Assert.True(page.GetProperty("error").ValueKind == JsonValueKind.Null, page.GetProperty("error").ToString());
        var api = await QueryAsync(query.ToJsonString());
        AssertTableEquals(api, page);
        var rows = page.GetProperty("rows");
        Assert.Equal("9007199254740993", rows[0][2].GetString());
        Assert.Equal("9223372036854775807", rows[1][2].GetString());
        Assert.Equal("12.30", rows[0][3].GetString());
        Assert.Equal("2026-11-26T10:00:01.000000Z", rows[1][1].GetString());
        Assert.Empty(BrowserDriver.PageErrors(page));
    }

    [Fact]
    public async Task QueryBuilder_composesAFilterAGroupAndACount_andShowsTheApisAnswer()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "build-query", new JsonObject
        {
            ["dataset"] = "page_views",
            ["filterColumn"] = "user_id",
            ["filterValue"] = User,
            ["groupBy"] = "country",
        });

        var composed = page.GetProperty("json");
        Assert.Equal("""[{"column":"user_id","op":"eq","value":"console-user"}]""", composed.GetProperty("filter").GetRawText());
        Assert.Equal("""["country"]""", composed.GetProperty("groupBy").GetRawText());
        Assert.Equal("count", composed.GetProperty("aggregates")[0].GetProperty("fn").GetString());
        var api = await QueryAsync(composed.GetRawText());
        var expected = api.GetProperty("rows").EnumerateArray().Select(r => string.Join("|", r.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Null ? "null" : p.Value.ToString()))).Order().ToList();
        var shown = page.GetProperty("rows").EnumerateArray().Select(r => string.Join("|", r.EnumerateArray().Select(c => c.GetString()))).Order().ToList();
        Assert.Equal(expected, shown);
        Assert.Contains("NL|2", shown);
    }

    [Fact]
    public async Task IngestView_showsABadLinesErrorsBesideIt_andWritesNothing_thenAcceptsAnUploadedFile()
    {
        var before = await _hosts.CountPageViewsAsync();
        var good = """{"event_id":"00000000-0000-4000-8000-0000000000a1","ts":"2026-11-26T10:00:00Z","user_id":"u","page":"/","duration_ms":1,"bytes":"1","bot":false,"day":"2026-11-26"}""";
        var bad = """{"event_id":"00000000-0000-4000-8000-0000000000a2","ts":"2026-11-26T10:00:00Z","user_id":"u","page":"/","duration_ms":"slow","bytes":"1","bot":false,"day":"2026-11-26"}""";

        var page = await BrowserDriver.RunAsync(Gateway, "ingest", new JsonObject { ["dataset"] = "page_views", ["ndjson"] = $"{good}\n\n{bad}\n" });

        Assert.Contains("invalid_records", page.GetProperty("error").GetString(), StringComparison.Ordinal);
        var refused = page.GetProperty("refused").EnumerateArray().Single();
        Assert.Equal("1", refused.GetProperty("record").GetString());
        var cells = refused.GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal("3", cells[0]);
        Assert.Equal(bad, cells[1]);
        Assert.Contains("duration_ms", cells[2], StringComparison.Ordinal);
        Assert.Contains("wrong_type", cells[2], StringComparison.Ordinal);
        Assert.Equal(before, await _hosts.CountPageViewsAsync());

        var accepted = await BrowserDriver.RunAsync(Gateway, "ingest", new JsonObject { ["dataset"] = "page_views", ["ndjson"] = good, ["upload"] = true, ["screenshot"] = "console-ingest-accepted" });
        Assert.StartsWith("Accepted 1", accepted.GetProperty("receipt").GetString(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task DatasetsView_showsTheContract_andTheIngestChartFromTheGatewaysApi()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "datasets");

        var contract = JsonDocument.Parse(await _hosts.Http.GetStringAsync("/v1/datasets")).RootElement.GetProperty("datasets")[0];
        Assert.Equal(contract.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()), page.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1, page.GetProperty("chart").GetInt32());
        Assert.Contains($"{Records.Length.ToString(CultureInfo.InvariantCulture)} records in 1 batches", page.GetProperty("totals").GetString(), StringComparison.Ordinal);
        Assert.Empty(BrowserDriver.PageErrors(page));
    }

    [Fact]
    public async Task ApiReference_rendersTheDocument_fromTheGatewayAlone()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "reference", new JsonObject { ["path"] = "/reference/v1", ["waitForText"] = "Ingest a batch of records" });

        Assert.Contains("Ingest a batch of records", page.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty(page.GetProperty("failedRequests").EnumerateArray());
    }

    private async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    // Each cell must be the API's value: strings exactly (int64, decimal, timestamps), numbers equal as doubles, null as null.
    private static void AssertTableEquals(JsonElement api, JsonElement page)
    {
        var columns = api.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(columns, page.GetProperty("headers").EnumerateArray().Select(h => h.GetString()!));
        var apiRows = api.GetProperty("rows").EnumerateArray().ToArray();
        var pageRows = page.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(apiRows.Length, pageRows.Length);
        for (var r = 0; r < apiRows.Length; r++)
        {
            for (var c = 0; c < columns.Length; c++)
            {
                var expected = apiRows[r].GetProperty(columns[c]);
                var shown = pageRows[r][c];
                var where = $"row {r}, column {columns[c]}";
                switch (expected.ValueKind)
                {
                    case JsonValueKind.Null:
                        Assert.True(shown.ValueKind == JsonValueKind.Null, $"{where}: expected null, shown {shown}");
                        break;
                    case JsonValueKind.String:
                        Assert.True(expected.GetString() == shown.GetString(), $"{where}: API {expected.GetString()}, shown {shown}");
                        break;
                    case JsonValueKind.Number:
                        Assert.True(expected.GetDouble() == double.Parse(shown.GetString()!, CultureInfo.InvariantCulture), $"{where}: API {expected.GetRawText()}, shown {shown}");
                        break;
                    default:
                        Assert.True(expected.GetRawText() == shown.GetString(), $"{where}: API {expected.GetRawText()}, shown {shown}");
                        break;
                }
            }
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

public sealed class GatewayBehaviourTests(MallardHosts hosts) : IClassFixture<MallardHosts>
{
    private const string Records = "/v1/datasets/page_views/records";
    private const string Query = "/v1/datasets/page_views/query";

    [Fact]
    public async Task Ingest_batch_with_one_bad_record_is_422_naming_index_and_field_and_writes_nothing()
    {
        var before = await CountAsync();
        var views = PageView.Generate(50, seed: 7).Select(v => v.ToJson()).ToList();
        views[37] = System.Text.RegularExpressions.Regex.Replace(views[37], "\"bot\":(true|false)", "\"bot\":\"maybe\"");

        using var response = await hosts.PostJsonAsync(Records, "[" + string.Join(",", views) + "]");

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(37, error.GetProperty("index").GetInt32());
        Assert.Equal("bot", error.GetProperty("field").GetString());
        Assert.Equal("wrong_type", error.GetProperty("code").GetString());
        Assert.Equal(1, problem.GetProperty("totalErrors").GetInt32());
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [InlineData("/v1/cluster/rebalance", "")]
    [InlineData("/v1/cluster/drain", "{\"ordinal\": 0}")]
    [InlineData("/v1/cluster/undrain", "{\"ordinal\": 0}")]
    public async Task Cluster_operation_on_an_embedded_mallard_is_409_not_clustered(string path, string body)
    {
        using var response = await hosts.PostJsonAsync(path, body);

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.Conflict);
        Assert.Equal("not_clustered", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ingest_valid_batch_returns_receipt_and_rows_become_queryable()
    {
        var views = PageView.Generate(300, seed: 11);
        var before = await CountAsync();

        using var response = await hosts.PostJsonAsync(Records, PageView.JsonArray(views));

        var receipt = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("page_views", receipt.GetProperty("dataset").GetString());
        Assert.Equal(300, receipt.GetProperty("accepted").GetInt32());
        Assert.False(string.IsNullOrEmpty(receipt.GetProperty("batchId").GetString()));
        Assert.Equal(before + 300, await CountAsync());

        var one = views[123];
        var rows = await QueryAsync($$"""{"filter":[{"column":"event_id","op":"eq","value":"{{one.EventId}}"}]}""");
        var row = Assert.Single(rows.GetProperty("rows").EnumerateArray());
        Assert.Equal(one.Bytes.ToString(CultureInfo.InvariantCulture), row.GetProperty("bytes").GetString());
        Assert.Equal(one.Revenue?.ToString("F2", CultureInfo.InvariantCulture), row.GetProperty("revenue").GetString());
        Assert.Equal(one.Ts.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), row.GetProperty("ts").GetString());
        Assert.Equal(one.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), row.GetProperty("day").GetString());
        Assert.Equal(one.DurationMs, row.GetProperty("duration_ms").GetInt32());
        Assert.Equal(one.Bot, row.GetProperty("bot").GetBoolean());
        Assert.Equal(
            ["event_id uuid", "ts timestamp", "user_id string", "page string", "country string", "duration_ms int32", "bytes int64", "revenue decimal(12,2)", "bot bool", "score float64", "day date"],
            rows.GetProperty("columns").EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("type").GetString()}"));
    }

    [Theory]
    [InlineData("/v1/datasets/nope/records", "application/json", "[]", HttpStatusCode.NotFound, "unknown_dataset")]
    [InlineData(Records, "text/csv", "a,b", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData(Records, "application/json", "[{\"event_id\":", HttpStatusCode.BadRequest, "malformed_body")]
    [InlineData(Records, "application/json", "{}", HttpStatusCode.BadRequest, "malformed_body")]
    [InlineData(Query, "application/json", "{\"filter\":[{\"column\":\"nope\",\"op\":\"eq\",\"value\":1}]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"aggregates\":[{\"fn\":\"sum\",\"column\":\"page\"}]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"filter\":[{\"column\":\"duration_ms\",\"op\":\"gt\",\"value\":\"ten\"}]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"filter\":[{\"column\":\"ts\",\"op\":\"gt\",\"value\":\"yesterday\"}]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"limit\":10001}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"select\":[\"page\"],\"groupBy\":[\"page\"]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"groupBy\":[\"page\"],\"orderBy\":[{\"column\":\"bytes\"}]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"select\":[\"page; DROP TABLE page_views\"]}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "{\"where\":\"1=1\"}", HttpStatusCode.BadRequest, "bad_query")]
    [InlineData(Query, "application/json", "not json", HttpStatusCode.BadRequest, "malformed_body")]
    public async Task Bad_requests_get_a_problem_response_that_says_why(string path, string contentType, string body, HttpStatusCode status, string code)
    {
        using var response = await hosts.PostAsync(path, body, contentType);

        var problem = await HttpJson.ReadJsonAsync(response, status);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Query_pinning_the_partition_column_visits_only_its_partitions()
    {
        var views = PageView.Generate(400, seed: 17);
        using (var ingest = await hosts.PostJsonAsync(Records, PageView.JsonArray(views)))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        var user = views[0].UserId;
        var other = views.First(v => v.UserId != user).UserId;
        var one = await QueryAsync($$"""{"filter":[{"column":"user_id","op":"eq","value":"{{user}}"}],"aggregates":[{"fn":"count","as":"n"}]}""");
        var two = await QueryAsync($$"""{"filter":[{"column":"user_id","op":"in","value":["{{user}}","{{other}}"]}],"aggregates":[{"fn":"count","as":"n"}]}""");
        var none = await QueryAsync("""{"filter":[{"column":"user_id","op":"in","value":[]}],"aggregates":[{"fn":"count","as":"n"}]}""");

        Assert.Equal(1, one.GetProperty("stats").GetProperty("partitions").GetInt32());
        Assert.Equal(views.Count(v => v.UserId == user).ToString(CultureInfo.InvariantCulture), one.GetProperty("rows")[0].GetProperty("n").GetString());
        Assert.InRange(two.GetProperty("stats").GetProperty("partitions").GetInt32(), 1, 2);
        Assert.Equal(views.Count(v => v.UserId == user || v.UserId == other).ToString(CultureInfo.InvariantCulture), two.GetProperty("rows")[0].GetProperty("n").GetString());
        Assert.Equal("0", none.GetProperty("rows")[0].GetProperty("n").GetString());
    }

    [Fact]
    public async Task Filter_values_are_bound_as_parameters_not_spliced_into_sql()
    {
        var hostile = "x' OR '1'='1";
        var rows = await QueryAsync($$"""{"filter":[{"column":"page","op":"eq","value":"{{hostile}}"}],"aggregates":[{"fn":"count","as":"n"}]}""");

        Assert.Equal("0", rows.GetProperty("rows")[0].GetProperty("n").GetString());
    }

    [Fact]
    public async Task Ingest_body_over_the_limit_is_413()
    {
        var huge = "[" + string.Join(",", Enumerable.Repeat(PageView.Generate(1, 3)[0].ToJson(), 400_000)) + "]";
        using var request = new HttpRequestMessage(HttpMethod.Post, Records) { Content = new StringContent(huge, System.Text.Encoding.UTF8, "application/json") };
        // As curl does for large bodies: the gateway refuses on Content-Length before the body is sent.
        request.Headers.ExpectContinue = true;

        using var response = await hosts.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Health_ready_and_metrics_endpoints_answer()
    {
        // A refused batch is counted before its answer is written, so the scrape below must show it.
        using (var refused = await hosts.PostJsonAsync("/v1/datasets/page_views/records", "[{}]"))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }

        using var health = await hosts.Http.GetAsync("/healthz");
        using var ready = await hosts.Http.GetAsync("/readyz");
        using var metrics = await hosts.Http.GetAsync("/metrics");
        using var datasets = await hosts.Http.GetAsync("/v1/datasets");
        using var dashboard = await hosts.Http.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready: 1 silo(s) active", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var exposition = PrometheusText.Parse(await metrics.Content.ReadAsStringAsync());
        Assert.Equal("counter", exposition.Types["mallard_batches_total"]);
        Assert.True(exposition.Sum("mallard_batches_total", ("dataset", "page_views"), ("outcome", "invalid_records")) >= 1, "the scrape does not count the refused batch");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var list = await HttpJson.ReadJsonAsync(datasets, HttpStatusCode.OK);
        Assert.Equal("page_views", list.GetProperty("datasets")[0].GetProperty("name").GetString());
    }

    private async Task<long> CountAsync()
    {
        var result = await QueryAsync("""{"aggregates":[{"fn":"count","as":"n"}]}""");
        return long.Parse(result.GetProperty("rows")[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await hosts.PostJsonAsync(Query, query);
        return await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
    }
}

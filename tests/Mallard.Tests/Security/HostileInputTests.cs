using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Security;

/// <summary>Hostile bodies get a 4xx that names the problem, write nothing, and leave the gateway serving.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const string Records = "/v1/datasets/page_views/records";
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Fact]
    public async Task Ingest_aFiftyMegabyteStringValue_is422TooLong_namingRecordAndField_andWritesNothing()
    {
        var record = PageView.JsonArray(PageView.Generate(1, seed: 5));
        var body = Regex.Replace(record, "\"page\":\"[^\"]*\"", $"\"page\":\"{new string('x', 50_000_000)}\"");

        using var response = await _hosts.PostJsonAsync(Records, body);

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("invalid_records", problem.GetProperty("code").GetString());
        var error = problem.GetProperty("errors")[0];
        Assert.Equal((0, "page", "too_long"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("code").GetString()));
        Assert.Equal(0, await _hosts.CountPageViewsAsync());
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "", "malformed_body" },
        { "[", "malformed_body" },
        { "[{\"event_id\": \"x\"", "malformed_body" },
        { "[{}],", "malformed_body" },
        { "[{},]", "malformed_body" },
        { "{'event_id': 'x'}", "malformed_body" },
        { "[NaN]", "malformed_body" },
        { "[{\"page\": \"\u0001\"}]", "malformed_body" },
        { "[\"\\ud800\"]", "invalid_records" },
        { "[{\"score\": 1e999999}]", "invalid_records" },
        { "[1, 2, 3]", "invalid_records" },
        { "[[[]]]", "invalid_records" },
        { "null", "malformed_body" },
        { "\"just a string\"", "malformed_body" },
        { "[" + new string('[', 100_000) + new string(']', 100_000) + "]", "malformed_body" },
        { "[{\"page\": " + new string('[', 5_000) + new string(']', 5_000) + "}]", "malformed_body" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Ingest_malformedOrOddBody_is4xxNamingTheProblem_writesNothing_andTheGatewayLives(string body, string code)
    {
        using var response = await _hosts.PostJsonAsync(Records, body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(code, JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        Assert.Equal(0, await _hosts.CountPageViewsAsync());
        using var health = await _hosts.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("/v1/datasets/..%2F..%2Fetc%2Fpasswd/records")]
    [InlineData("/v1/datasets/page_views%20/records")]
    [InlineData("/v1/datasets/PAGE_VIEWS/records")]
    public async Task Ingest_toAPathThatIsNotADataset_is404UnknownDataset(string path)
    {
        using var response = await _hosts.PostJsonAsync(path, PageView.JsonArray(PageView.Generate(1, seed: 3)));

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("unknown_dataset", problem.GetProperty("code").GetString());
        Assert.Equal(0, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_toAPathWithANulCharacter_isRefusedByKestrelWith400_andTheGatewayLives()
    {
        // Kestrel rejects the request target before Mallard sees it (no problem body is possible there).
        using var response = await _hosts.PostJsonAsync("/v1/datasets/%00/records", "[]");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var health = await _hosts.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Ingest_toAHugeDatasetName_is404_andTheDetailIsShortened()
    {
        using var response = await _hosts.PostJsonAsync($"/v1/datasets/{new string('d', 20_000)}/records", "[]");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.RequestUriTooLong or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}");
        Assert.True(text.Length < 2_000, $"the answer echoes {text.Length} characters");
    }

    [Theory]
    [InlineData("""{"groupBy": ["no_such_column"], "aggregates": [{"fn": "count", "as": "n"}]}""")]
    [InlineData("""{"limit": -1}""")]
    [InlineData("""{"limit": 99999999999}""")]
    [InlineData("""{"filters": [{"column": "duration_ms", "op": "eq", "value": "not a number"}]}""")]
    [InlineData("""{"aggregates": [{"fn": "drop table", "as": "n"}]}""")]
    [InlineData("""{"select": ["page; DROP TABLE page_views"]}""")]
    [InlineData("""{"orderBy": [{"column": "page" DESC; --", "desc": true}]}""")]
    [InlineData("[]")]
    [InlineData("{")]
    public async Task Query_hostileOrMalformed_is400_andTheDataIsIntact(string query)
    {
        using (var ingest = await _hosts.PostJsonAsync(Records, PageView.JsonArray(PageView.Generate(10, seed: 4))))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", query);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("\"code\"", text, StringComparison.Ordinal);
        Assert.Equal(10, await _hosts.CountPageViewsAsync());
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Mallard.Security;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>
/// The console against a gateway with keys: it loads without one, signs in by exchanging a key for
/// the session cookie, and shows what the key's scopes allow (datasets and queries for a data key;
/// partitions, silos and moves for an admin key).
/// </summary>
public sealed class ConsoleSignInTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("mallard-console-keys");
    private readonly MallardHosts _hosts = new();
    private string _admin = "";
    private string _analyst = "";
    private string _elsewhere = "";

    private Uri Gateway => _hosts.Http.BaseAddress!;

    public async Task InitializeAsync()
    {
        var keysFile = Path.Combine(_folder.Path, "keys.json");
        var keys = ApiKeyFile.CreateEmpty();
        _admin = keys.Create("ops", ["admin"], DateTimeOffset.UtcNow).Key;
        _analyst = keys.Create("analyst", ["query:page_views"], DateTimeOffset.UtcNow).Key;
        _elsewhere = keys.Create("elsewhere", ["query:orders"], DateTimeOffset.UtcNow).Key;
        keys.Save(keysFile);
        _hosts.ApiArguments.Add($"--Mallard:Auth:KeysFile={keysFile}");
        await _hosts.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task DataKey_seesDatasetsAndQueries_notTheCluster_andTheCookieIsHttpOnly()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "sign-in", new JsonObject { ["typedKey"] = _analyst, ["screenshot"] = "console-signed-in-data-key" });

        Assert.StartsWith("analyst", page.GetProperty("signedIn").GetString(), StringComparison.Ordinal);
        Assert.Equal(["tab-datasets", "tab-query"], page.GetProperty("tabs").EnumerateArray().Select(t => t.GetString()!));
        var cookie = page.GetProperty("cookies").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "mallard_session");
        Assert.True(cookie.GetProperty("httpOnly").GetBoolean());
        Assert.Equal("Strict", cookie.GetProperty("sameSite").GetString());

        var query = await BrowserDriver.RunAsync(Gateway, "query", new JsonObject
        {
            ["key"] = _analyst,
            ["dataset"] = "page_views",
            ["query"] = JsonNode.Parse("""{"aggregates":[{"fn":"count","as":"n"}]}"""),
            ["screenshot"] = "console-query-data-key",
        });
        Assert.Equal("0", query.GetProperty("rows")[0][0].GetString());
    }

    [Fact]
    public async Task AdminKey_seesThePartitionsOfTheSilo()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "cluster", new JsonObject { ["key"] = _admin, ["screenshot"] = "console-cluster-admin" });

        Assert.Equal(8, page.GetProperty("partitions").GetArrayLength());
        Assert.Contains("tab-cluster", page.GetProperty("tabs").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("analyst", "/v1/datasets/page_views/ingest-rate?minutes=2&stepSeconds=10", HttpStatusCode.OK, "\"stepSeconds\":10")]
    [InlineData("ops", "/v1/datasets/page_views/ingest-rate", HttpStatusCode.OK, "\"stepSeconds\":5")]
    [InlineData("elsewhere", "/v1/datasets/page_views/ingest-rate", HttpStatusCode.Forbidden, "query:page_views")]
    [InlineData("analyst", "/v1/datasets/page_views/ingest-rate?minutes=16", HttpStatusCode.BadRequest, "minutes: 1 to 15")]
    [InlineData("analyst", "/v1/datasets/page_views/ingest-rate?stepSeconds=0", HttpStatusCode.BadRequest, "stepSeconds: 1 to 60")]
    [InlineData("ops", "/v1/datasets/nope/ingest-rate", HttpStatusCode.NotFound, "unknown_dataset")]
    public async Task IngestRate_needsAScopeOnTheDataset_andNamesABadParameter(string key, string path, HttpStatusCode status, string says)
    {
        using var http = new HttpClient { BaseAddress = Gateway };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key switch { "ops" => _admin, "analyst" => _analyst, _ => _elsewhere });

        using var response = await http.GetAsync(path);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Contains(says, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKey_isRefusedInTheForm_andNothingOpens()
    {
        var page = await BrowserDriver.RunAsync(Gateway, "sign-in", new JsonObject { ["typedKey"] = "mk_0123456789abcdef_forged" });

        Assert.Contains("not valid", page.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(page.GetProperty("tabs").EnumerateArray());
        using var anonymous = new HttpClient { BaseAddress = Gateway };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/datasets")).StatusCode);
    }
}

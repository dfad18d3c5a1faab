using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mallard.Security;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Security;

/// <summary>A gateway with a keys file: every route but the probes needs a key, and a key only does what its scopes say.</summary>
public sealed class ApiKeyAuthTests : IAsyncLifetime
{
    private const string Count = """{"aggregates": [{"fn": "count", "as": "n"}]}""";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly TempDirectory _folder = new("mallard-keys");
    private readonly MallardHosts _hosts = new();
    private string _keysFile = "";
    private string _admin = "";
    private string _ingest = "";
    private string _query = "";
    private string _otherDataset = "";
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _keysFile = Path.Combine(_folder.Path, "keys.json");
        var keys = ApiKeyFile.CreateEmpty();
        _admin = keys.Create("ops", ["admin"], Now).Key;
        _ingest = keys.Create("loader", ["ingest:page_views"], Now).Key;
        _query = keys.Create("analyst", ["query:*"], Now).Key;
        _otherDataset = keys.Create("elsewhere", ["ingest:orders", "query:orders"], Now).Key;
        keys.Save(_keysFile);
        _hosts.ApiArguments.AddRange([$"--Mallard:Auth:KeysFile={_keysFile}", "--Mallard:Auth:ReloadInterval=00:00:00.200"]);
        await _hosts.StartAsync();

        // Cookies only where a test sends them, and no redirects followed: each answer as the gateway gave it.
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = _hosts.Http.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _hosts.DisposeAsync();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("GET", "/v1/datasets")]
    [InlineData("POST", "/v1/datasets/page_views/records")]
    [InlineData("POST", "/v1/datasets/page_views/query")]
    [InlineData("GET", "/v1/cluster")]
    [InlineData("POST", "/v1/cluster/rebalance")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/dashboard")]
    [InlineData("GET", "/")]
    [InlineData("GET", "/no/such/route")]
    public async Task AnyRoute_withoutAKey_is401WithAChallenge_andProblemJson(string method, string path)
    {
        using var response = await SendAsync(method, path, key: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"unauthorized\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Probes_withoutAKey_answer(string path)
    {
        using var response = await SendAsync("GET", path, key: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("mk_0123456789abcdef_forged")]
    [InlineData("not-a-key")]
    [InlineData("")]
    public async Task Ingest_withAnInvalidKey_is401InvalidToken_andWritesNothing(string key)
    {
        using var response = await SendAsync("POST", "/v1/datasets/page_views/records", key, PageView.JsonArray(PageView.Generate(3, seed: 1)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task IngestKey_ingestsItsDataset_butCannotQueryIt_norReachOperatorRoutes()
    {
        using (var ingest = await SendAsync("POST", "/v1/datasets/page_views/records", _ingest, PageView.JsonArray(PageView.Generate(5, seed: 2))))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        foreach (var (method, path) in new[] { ("POST", "/v1/datasets/page_views/query"), ("GET", "/v1/cluster"), ("GET", "/metrics"), ("GET", "/dashboard"), ("GET", "/") })
        {
            using var refused = await SendAsync(method, path, _ingest, method == "POST" ? Count : null);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("forbidden", problem.GetProperty("code").GetString());
            Assert.Contains("loader", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(5, await CountAsync());
    }

    [Fact]
    public async Task KeyForAnotherDataset_isForbiddenOnThisOne_andWritesNothing()
    {
        using var response = await SendAsync("POST", "/v1/datasets/page_views/records", _otherDataset, PageView.JsonArray(PageView.Generate(2, seed: 3)));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("ingest:page_views", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task AdminKey_reachesOperatorRoutes_butNotData()
    {
        foreach (var path in new[] { "/v1/cluster", "/metrics", "/", "/dashboard" })
        {
            using var response = await SendAsync("GET", path, _admin);
            Assert.True((int)response.StatusCode < 400, $"{path} answered {response.StatusCode} to an admin key");
        }

        using var query = await SendAsync("POST", "/v1/datasets/page_views/query", _admin, Count);
        Assert.Equal(HttpStatusCode.Forbidden, query.StatusCode);
    }

    [Fact]
    public async Task RevokedKey_isRefusedWithinSeconds_withoutARestart()
    {
        using (var before = await SendAsync("POST", "/v1/datasets/page_views/query", _query, Count))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var keys = ApiKeyFile.LoadOrCreate(_keysFile);
        Assert.True(keys.Revoke("analyst", DateTimeOffset.UtcNow));
        keys.Save(_keysFile);

        var status = await PollAsync(async () =>
        {
            using var response = await SendAsync("POST", "/v1/datasets/page_views/query", _query, Count);
            return response.StatusCode;
        }, s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Session_exchangedForAnAdminKey_isAnHttpOnlyStrictCookie_thatOpensTheDashboard_untilTheKeyIsRevoked()
    {
        using var exchange = await SendAsync("POST", "/v1/auth/session", _admin);
        Assert.Equal(HttpStatusCode.OK, exchange.StatusCode);
        var setCookie = exchange.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("mallard_session=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        using (var dashboard = await SendAsync("GET", "/dashboard", key: null, cookie: cookie))
        {
            Assert.True((int)dashboard.StatusCode < 400, $"the dashboard answered {dashboard.StatusCode} to a valid session");
        }

        using (var forged = await SendAsync("GET", "/dashboard", key: null, cookie: cookie[..^2] + "xx"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        var keys = ApiKeyFile.LoadOrCreate(_keysFile);
        keys.Revoke("ops", DateTimeOffset.UtcNow);
        keys.Save(_keysFile);
        var status = await PollAsync(async () =>
        {
            using var response = await SendAsync("GET", "/dashboard", key: null, cookie: cookie);
            return response.StatusCode;
        }, s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Session_cannotBeMadeFromASession()
    {
        using var exchange = await SendAsync("POST", "/v1/auth/session", _admin);
        var cookie = exchange.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var again = await SendAsync("POST", "/v1/auth/session", key: null, cookie: cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? key, string? body = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {key}");
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await _http.SendAsync(request);
    }

    private async Task<long> CountAsync()
    {
        using var response = await SendAsync("POST", "/v1/datasets/page_views/query", _query, Count);
        var body = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        return long.Parse(body.GetProperty("rows")[0].GetProperty("n").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    // Asks until the answer satisfies `done` or the time is up; returns the last answer.
    private static async Task<T> PollAsync<T>(Func<Task<T>> ask, Func<T, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var last = await ask();
        while (!done(last) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            last = await ask();
        }

        return last;
    }
}

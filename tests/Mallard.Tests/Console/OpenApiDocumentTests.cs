using System.Net;
using System.Text.Json;
using Mallard.Api.OpenApi;
using Mallard.Partitions;
using Mallard.Security;
using Mallard.Tests.Conformance;
using Mallard.Tests.Http;
using Mallard.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mallard.Tests.Console;

/// <summary>
/// The gateway's OpenAPI 3.1 document, served from a gateway with keys on and the repository's
/// contract: it names every mapped route and only those, passes a real linter, and is what the
/// committed generated types were made from.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("mallard-openapi");
    private readonly MallardHosts _hosts = new();
    private HttpClient _anonymous = null!;
    private string _document = "";

    public async Task InitializeAsync()
    {
        var keysFile = Path.Combine(_folder.Path, "keys.json");
        var keys = ApiKeyFile.CreateEmpty();
        keys.Create("ops", ["admin"], DateTimeOffset.UtcNow);
        keys.Save(keysFile);
        _hosts.ApiArguments.Add($"--Mallard:Auth:KeysFile={keysFile}");
        await _hosts.StartAsync();
        _anonymous = new HttpClient { BaseAddress = _hosts.Http.BaseAddress };
        using var response = await _anonymous.GetAsync(OpenApiSetup.DocumentRoute);
        _document = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{OpenApiSetup.DocumentRoute} without a key: {(int)response.StatusCode} {_document}");
    }

    public async Task DisposeAsync()
    {
        _anonymous.Dispose();
        await _hosts.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public void Document_isOpenApi31_withEveryDatasetsRecordAndRowSchema()
    {
        var root = JsonDocument.Parse(_document).RootElement;
        Assert.StartsWith("3.1", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("page_views", out var record), "no page_views schema");
        Assert.True(schemas.TryGetProperty("page_views_row", out _), "no page_views_row schema");
        Assert.Equal("^-?[0-9]{1,19}$", record.GetProperty("properties").GetProperty("bytes").GetProperty("pattern").GetString());
        // Every catalogued problem code, so a client can switch on all of them.
        var codes = schemas.GetProperty("ErrorCode").GetProperty("enum").EnumerateArray().Select(c => c.GetString()!).ToHashSet();
        Assert.Equal(ErrorCatalog.All.Select(e => e.Code).ToHashSet(), codes);
    }

    [Fact]
    public void Document_namesEveryMappedRoute_andNoRouteThatIsNotMapped()
    {
        var documented = Operations(JsonDocument.Parse(_document).RootElement);
        var pages = PageRoutes.Pages.Select(p => p.Route).ToArray();
        var mapped = _hosts.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Route: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .ToList();
        Assert.NotEmpty(mapped);

        // A page's own assets and sub-routes (/ui/…, /dashboard/…, /reference/…) are the page.
        static string Covering(string route, string[] pages) =>
            pages.FirstOrDefault(p => p != "/" && route.StartsWith(p + "/", StringComparison.Ordinal)) ?? route;
        var missing = mapped.Where(m => !documented.Contains((m.Method, Covering(m.Route, pages)))).Select(m => $"{m.Method} {m.Route}").ToList();
        Assert.True(missing.Count == 0, "mapped but not in the document: " + string.Join(", ", missing));

        var phantom = documented.Where(d => !mapped.Any(m => m.Method == d.Method && (m.Route == d.Route || Covering(m.Route, pages) == d.Route))).ToList();
        Assert.True(phantom.Count == 0, "in the document but not mapped: " + string.Join(", ", phantom));
    }

    [Fact]
    public void Document_routesThatNeedAKey_sayWhich_andOpenRoutesDoNot()
    {
        var paths = JsonDocument.Parse(_document).RootElement.GetProperty("paths");
        var ingest = paths.GetProperty("/v1/datasets/{dataset}/records").GetProperty("post");
        Assert.NotEmpty(ingest.GetProperty("security").EnumerateArray());
        Assert.Contains("ingest:{dataset}", ingest.GetProperty("description").GetString(), StringComparison.Ordinal);
        foreach (var code in new[] { "401", "403", "413", "415", "422", "429", "503" })
        {
            Assert.True(ingest.GetProperty("responses").TryGetProperty(code, out _), $"ingest does not document {code}");
        }

        Assert.True(ingest.GetProperty("responses").GetProperty("503").GetProperty("headers").TryGetProperty("Retry-After", out _), "a retryable answer without Retry-After");
        Assert.Empty(paths.GetProperty("/healthz").GetProperty("get").GetProperty("security").EnumerateArray());
        Assert.Empty(paths.GetProperty(OpenApiSetup.DocumentRoute).GetProperty("get").GetProperty("security").EnumerateArray());
    }

    [Fact]
    public async Task Document_passesRedoclyLint_withoutErrorsOrWarnings()
    {
        var file = Path.Combine(_folder.Path, "openapi.json");
        await File.WriteAllTextAsync(file, _document);

        var (exitCode, output) = await NodeTools.RunWithAsync(
            Path.Combine(NodeTools.Web, "node_modules", ".bin", "redocly"),
            new Dictionary<string, string>(),
            TimeSpan.FromMinutes(2),
            "lint", file, "--config", Path.Combine(NodeTools.Web, "redocly.yaml"), "--format", "stylish");

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain(" warning ", output, StringComparison.Ordinal);
        Assert.Contains("valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GeneratedOpenApiTypes_areWhatTheServedDocumentGives()
    {
        // web/src/generated/openapi.json is the served document; openapi.ts is openapi-typescript's output for it.
        var committedDocument = await File.ReadAllTextAsync(RepositoryPaths.File("web", "src", "generated", "openapi.json"));
        var regenerate = "regenerate: with ./run.sh running, curl -s http://127.0.0.1:8080/openapi/v1.json > web/src/generated/openapi.json && (cd web && npm run generate:api)";
        Assert.True(committedDocument == _document, $"web/src/generated/openapi.json is stale; {regenerate}");

        var output = Path.Combine(_folder.Path, "openapi.ts");
        var (exitCode, log) = await NodeTools.RunAsync(
            Path.Combine(NodeTools.Web, "node_modules", ".bin", "openapi-typescript"), RepositoryPaths.File("web", "src", "generated", "openapi.json"), "-o", output);
        Assert.True(exitCode == 0, log);
        Assert.True(await File.ReadAllTextAsync(output) == await File.ReadAllTextAsync(RepositoryPaths.File("web", "src", "generated", "openapi.ts")), $"web/src/generated/openapi.ts is stale; {regenerate}");
    }

    [Theory]
    [InlineData("/ui")]
    [InlineData("/ui/")]
    [InlineData(OpenApiSetup.DocumentRoute)]
    [InlineData(OpenApiSetup.ReferenceRoute + "/v1")]
    public async Task ConsoleAndApiDescription_loadWithoutAKey_whileDataRoutesAsk(string path)
    {
        using var page = await _anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var data = await _anonymous.GetAsync("/v1/datasets");
        Assert.Equal(HttpStatusCode.Unauthorized, data.StatusCode);
    }

    [Fact]
    public async Task ReferencePage_loadsOnlyFromTheGateway()
    {
        var html = await _anonymous.GetStringAsync(OpenApiSetup.ReferenceRoute + "/v1");
        var urls = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(urls);
        Assert.All(urls, url => Assert.False(url.Contains("://", StringComparison.Ordinal) || url.StartsWith("//", StringComparison.Ordinal), $"the reference page loads {url} from elsewhere"));
        foreach (var url in urls.Where(u => u.EndsWith(".js", StringComparison.Ordinal)))
        {
            using var asset = await _anonymous.GetAsync(new Uri(new Uri(_anonymous.BaseAddress!, OpenApiSetup.ReferenceRoute + "/v1"), url));
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{url}: {(int)asset.StatusCode}");
        }
    }

    private static HashSet<(string Method, string Route)> Operations(JsonElement document)
    {
        var operations = new HashSet<(string, string)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                operations.Add((operation.Name.ToUpperInvariant(), path.Name));
            }
        }

        return operations;
    }
}

using System.Net;
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
        Assert.Equal(0, await CountAsync());
    }

    private async Task<long> CountAsync()
    {
        using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates": [{"fn": "count", "as": "n"}]}""");
        var body = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        return long.Parse(body.GetProperty("rows")[0].GetProperty("n").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Net;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Querying;

/// <summary>A query past <c>Mallard:Query:Timeout</c> is answered 422 query_timeout, and the gateway and partitions go on serving.</summary>
public sealed class QueryTimeoutTests : IAsyncLifetime
{
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync()
    {
        // A deadline no fan-out can meet.
        _hosts.ApiArguments.Add("--Mallard:Query:Timeout=00:00:00.001");
        return _hosts.InitializeAsync();
    }

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Fact]
    public async Task Query_pastTheTimeout_is422QueryTimeout_namingTheSetting()
    {
        using (var ingest = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(PageView.Generate(100, seed: 9))))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"groupBy": ["page"], "aggregates": [{"fn": "count", "as": "n"}]}""");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("query_timeout", problem.GetProperty("code").GetString());
        Assert.Contains("Mallard:Query:Timeout", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var health = await _hosts.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}

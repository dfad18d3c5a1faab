using System.Net;

namespace Mallard.Tests.Http;

public sealed class BackpressureTests : IAsyncLifetime
{
    private readonly MallardHosts _hosts = new();

    public async Task InitializeAsync()
    {
        _hosts.SiloArguments.Add("--Mallard:Shards:MaxQueuedRows=3000");
        await _hosts.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_flood_on_one_partition_is_accepted_or_refused_fast_with_retry_after_never_500()
    {
        // Every record has one user, so every batch goes to the same partition.
        var batches = Enumerable.Range(0, 40)
            .Select(i => PageView.Generate(1_000, seed: 500 + i).Select(v => v with { UserId = "the-hot-user" }).ToList())
            .ToList();

        var responses = await Task.WhenAll(batches.Select(async views =>
        {
            using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(views));
            var body = await response.Content.ReadAsStringAsync();
            return (Status: response.StatusCode, RetryAfter: response.Headers.RetryAfter, Body: body, Views: views);
        }));

        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, $"{(int)r.Status}: {r.Body}"));
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.NotNull(r.RetryAfter);
            Assert.Contains(r.Status == HttpStatusCode.TooManyRequests ? "client_concurrency_exceeded" : "partition_overloaded", r.Body, StringComparison.Ordinal);
        });
        var accepted = responses.Where(r => r.Status == HttpStatusCode.OK).Sum(r => r.Views.Count);
        using var count = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates":[{"fn":"count","as":"n"}]}""");
        var n = (await IngestAndQueryAtScaleTests.ReadJsonAsync(count, HttpStatusCode.OK)).GetProperty("rows")[0].GetProperty("n").GetString();
        Assert.Equal(accepted.ToString(System.Globalization.CultureInfo.InvariantCulture), n);
    }
}

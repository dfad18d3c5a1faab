using System.Diagnostics.Metrics;
using System.Net;

namespace Mallard.Tests.Http;

public sealed class BackpressureTests : IAsyncLifetime
{
    private readonly MallardHosts _hosts = new();
    private readonly MeterListener _listener = new();
    private long _largestGroup;

    public async Task InitializeAsync()
    {
        _hosts.SiloArguments.Add("--Mallard:Shards:MaxQueuedRows=3000");
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "mallard.partition.group_commit.batches")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => InterlockedMax(ref _largestGroup, value));
        _listener.Start();
        await _hosts.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _hosts.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_flood_on_one_partition_is_coalesced_or_refused_fast_with_retry_after_never_500()
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
        Assert.True(Interlocked.Read(ref _largestGroup) > 1, "no group commit coalesced more than one batch");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

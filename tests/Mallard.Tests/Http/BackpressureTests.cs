using System.Diagnostics;
using System.Net;
using Mallard.Grains;
using Mallard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Mallard.Tests.Http;

public sealed class BackpressureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int QueueLimitRows = 3_000;
    private const int RowsPerBatch = 1_000;
    private const int Batches = 40;
    private readonly MallardHosts _hosts = new();

    public async Task InitializeAsync()
    {
        _hosts.SiloArguments.Add($"--Mallard:Shards:MaxQueuedRows={QueueLimitRows}");
        await _hosts.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_flood_on_one_partition_is_refused_with_retry_after_before_any_commit_and_never_500()
    {
        // Every record has one user, so every batch goes to the same partition. The writer is held
        // at the commit gate: the queue takes exactly QueueLimitRows, and every other batch must be
        // refused while nothing has committed, i.e. without waiting for a commit or a timeout.
        var batches = Enumerable.Range(0, Batches)
            .Select(i => PageView.Generate(RowsPerBatch, seed: 500 + i).Select(v => v with { UserId = "the-hot-user" }).ToList())
            .ToList();
        var expectedAccepted = QueueLimitRows / RowsPerBatch;
        var gate = _hosts.SiloServices.GetRequiredService<CommitGate>().Close();
        var flood = Stopwatch.StartNew();
        var pending = batches.Select(async views =>
        {
            var sent = flood.Elapsed;
            using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(views));
            var body = await response.Content.ReadAsStringAsync();
            return (Status: response.StatusCode, RetryAfter: response.Headers.RetryAfter, Body: body, Took: flood.Elapsed - sent);
        }).ToList();

        var refusals = new List<(HttpStatusCode Status, System.Net.Http.Headers.RetryConditionHeaderValue? RetryAfter, string Body, TimeSpan Took)>();
        while (refusals.Count < Batches - expectedAccepted)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            var answer = await done;
            Assert.True(answer.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, $"while the writer was held: {(int)answer.Status}: {answer.Body}");
            Assert.NotNull(answer.RetryAfter);
            Assert.Contains(answer.Status == HttpStatusCode.TooManyRequests ? "client_concurrency_exceeded" : "partition_overloaded", answer.Body, StringComparison.Ordinal);
            refusals.Add(answer);
        }

        Assert.Equal(expectedAccepted, pending.Count);
        Assert.All(pending, p => Assert.False(p.IsCompleted, "an accepted batch answered before its commit could run"));
        output.WriteLine($"{refusals.Count} refusals ({refusals.Count(r => r.Status == HttpStatusCode.ServiceUnavailable)} × 503, {refusals.Count(r => r.Status == HttpStatusCode.TooManyRequests)} × 429) "
            + $"answered in {refusals.Min(r => r.Took).TotalMilliseconds:F0}–{refusals.Max(r => r.Took).TotalMilliseconds:F0} ms while no batch could commit");
        Assert.Contains(refusals, r => r.Status == HttpStatusCode.ServiceUnavailable);

        gate.Dispose();
        var accepted = await Task.WhenAll(pending);
        Assert.All(accepted, a => Assert.True(a.Status == HttpStatusCode.OK, $"{(int)a.Status}: {a.Body}"));

        using var count = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates":[{"fn":"count","as":"n"}]}""");
        var n = (await HttpJson.ReadJsonAsync(count, HttpStatusCode.OK)).GetProperty("rows")[0].GetProperty("n").GetString();
        Assert.Equal((expectedAccepted * RowsPerBatch).ToString(System.Globalization.CultureInfo.InvariantCulture), n);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Mallard.Tests.Http;

namespace Mallard.Tests.Observability;

/// <summary>One ingest request is one trace: HTTP request, gateway fan-out, grain call on the silo, shard commit.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class TracingTests : IAsyncLifetime
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private readonly MallardHosts _hosts = new();
    private readonly ConcurrentBag<Activity> _finished = [];
    private readonly ActivityListener _listener;

    public TracingTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Mallard" or "Microsoft.AspNetCore" || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _finished.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _hosts.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_with_an_external_traceparent_yields_one_trace_from_http_to_shard_commit()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/page_views/records")
        {
            Content = new StringContent(PageView.JsonArray(PageView.Generate(50, seed: 3)), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", parent);

        using var response = await _hosts.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var spans = _finished.Where(a => a.TraceId == traceId).OrderBy(a => a.StartTimeUtc).ToList();
        foreach (var span in spans)
        {
            var tags = string.Join(" ", span.TagObjects.Where(t => t.Key.StartsWith("mallard.", StringComparison.Ordinal) || t.Key.StartsWith("rpc.", StringComparison.Ordinal) || t.Key == "http.route").Select(t => $"{t.Key}={t.Value}"));
            _output.WriteLine($"{span.SpanId} parent={span.ParentSpanId} {span.Kind,-8} {span.Duration.TotalMilliseconds,8:F2} ms  {span.Source.Name}: {span.DisplayName}  {tags}");
        }

        var names = spans.Select(a => a.OperationName).ToHashSet();
        Assert.Contains("Microsoft.AspNetCore.Hosting.HttpRequestIn", names);
        Assert.Contains("mallard.ingest.validate", names);
        Assert.Contains("mallard.ingest.fanout", names);
        Assert.Contains("mallard.partition.append", names);
        Assert.Contains("mallard.shard.commit", names);
        Assert.Contains(spans, a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && a.Kind == ActivityKind.Server);

        var fanout = spans.Single(a => a.OperationName == "mallard.ingest.fanout");
        Assert.Equal("page_views", fanout.GetTagItem("mallard.dataset"));
        Assert.Equal("accepted", fanout.GetTagItem("mallard.outcome"));
        Assert.Equal(50, fanout.GetTagItem("mallard.accepted"));
        var appends = spans.Where(a => a.OperationName == "mallard.partition.append").ToList();
        Assert.Equal(50, appends.Sum(a => (int)a.GetTagItem("mallard.rows")!));
        Assert.All(appends, a => Assert.Equal(fanout.GetTagItem("mallard.batch_id"), a.GetTagItem("mallard.batch_id")));
        Assert.All(spans.Where(a => a.OperationName == "mallard.shard.commit"), a => Assert.NotNull(a.GetTagItem("mallard.partition")));
    }
}

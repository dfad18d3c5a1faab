using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Mallard.Contract;
using Mallard.Partitions;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>
/// Two clients posting page_views in a loop, each batch with its own Idempotency-Key: a mixed
/// client whose batches touch every partition, and a live client that only sends records whose
/// partitions are owned by silos other than <c>spared</c>. Every answer is recorded; a non-200 must
/// be a 503 with Retry-After, and its batch is kept for a retry with the same key.
/// </summary>
public sealed class ClusterLoad : IAsyncDisposable
{
    private static readonly DatasetDefinition PageViews = ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml")).Datasets["page_views"];
    private readonly MallardCluster _cluster;
    private readonly int _spared;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<PageView> _acknowledged = [];
    private readonly List<(string Key, List<PageView> Views)> _refused = [];
    private readonly List<Observation> _observations = [];
    private readonly Task[] _clients;

    public ClusterLoad(MallardCluster cluster, int spared)
    {
        _cluster = cluster;
        _spared = spared;
        _clients = [Task.Run(() => RunAsync(mixed: true)), Task.Run(() => RunAsync(mixed: false))];
    }

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The owner ordinal of a record's partition (partitions spread as p mod silos).</summary>
    public static int OwnerOf(PageView view, int silos)
    {
        var columns = new ColumnVector[PageViews.Columns.Count];
        PageViews.TryGetColumn("user_id", out var userId);
        columns[userId.Ordinal] = new ColumnVector { Kind = ColumnKind.String, Count = 1, Strings = [view.UserId] };
        return PartitionHasher.PartitionOf(PageViews, columns, 0) % silos;
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the answers so far (60 s at most).</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<Observation>, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!Snapshot(condition))
        {
            if (_clients.FirstOrDefault(c => c.IsFaulted) is { } failed)
            {
                await failed;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Stops both clients; returns every answer.</summary>
    public async Task<IReadOnlyList<Observation>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        return _observations;
    }

    /// <summary>Retries every refused batch with its key until accepted, honouring 503 Retry-After for up to 60 s; returns every acknowledged record.</summary>
    public async Task<IReadOnlyList<PageView>> RetryRefusedAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var (key, views) in _refused)
        {
            while (true)
            {
                using var response = await _cluster.PostRecordsAsync(PageView.JsonArray(views), key);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } wait && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(wait);
                    continue;
                }

                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                break;
            }

            _acknowledged.AddRange(views);
        }

        _refused.Clear();
        return _acknowledged;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_clients);
        }
        catch
        {
            // Already reported by the test that owns the load.
        }

        _stop.Dispose();
    }

    private T Snapshot<T>(Func<IReadOnlyList<Observation>, T> read)
    {
        lock (_observations)
        {
            return read(_observations);
        }
    }

    private async Task RunAsync(bool mixed)
    {
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var views = PageView.Generate(mixed ? 120 : 300, (mixed ? 100_000 : 200_000) + n);
            if (!mixed)
            {
                views = views.Where(v => OwnerOf(v, _cluster.SiloCount) != _spared).ToList();
            }

            var key = $"{(mixed ? "mixed" : "live")}-{n}";
            var started = _clock.Elapsed;
            using var response = await _cluster.PostRecordsAsync(PageView.JsonArray(views), key);
            var text = await response.Content.ReadAsStringAsync();
            var ok = response.StatusCode == HttpStatusCode.OK;
            if (!ok)
            {
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
                Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
            }

            var code = ok ? "" : JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
            lock (_observations)
            {
                _observations.Add(new Observation(started, _clock.Elapsed - started, mixed, (int)response.StatusCode, code, ok ? "" : text));
                if (ok)
                {
                    _acknowledged.AddRange(views);
                }
                else
                {
                    _refused.Add((key, views));
                }
            }

            await Task.Delay(20);
        }
    }

    /// <summary>One answer: when the request started, how long it took, which client, status, problem code and body.</summary>
    public sealed record Observation(TimeSpan At, TimeSpan Took, bool Mixed, int Status, string Code, string Problem);
}

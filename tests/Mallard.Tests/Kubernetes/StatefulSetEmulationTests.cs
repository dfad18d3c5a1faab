using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mallard.Tests.Http;
using Mallard.Tests.PostgresCluster;
using Mallard.Tests.Support;
using Xunit.Abstractions;

namespace Mallard.Tests.Kubernetes;

/// <summary>
/// Plays Kubernetes against the real binaries run the way the local overlay's pods would run them
/// (see <see cref="EmulatedPod"/>), on a private PostgreSQL, under continuous ingest with
/// Idempotency-Key retries: scale 2 → 4, a rolling restart highest ordinal first, drain and scale
/// 4 → 3, and a node loss (SIGKILL, then the pod back on its volume).
/// </summary>
[Collection(MachineWideCollection.Name)]
public sealed class StatefulSetEmulationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PostgresServer postgres = new();

    public Task InitializeAsync() => postgres.InitializeAsync();

    public Task DisposeAsync() => postgres.DisposeAsync();

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task LocalOverlay_scaleUpRollingRestartDrainAndNodeLoss_underIngest_everyAcknowledgedRecordOnce_andPodsUnreadyBeforeTheyStop()
    {
        var manifests = RenderedManifests.Render("local");
        var clock = Stopwatch.StartNew();
        using var data = new TempDirectory("mallard-k8s-emulation");
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            // The Secret the overlay generates, pointing at the private server instead of its demo pod.
            ["mallard-postgres"] = new Dictionary<string, string> { ["connectionString"] = await postgres.CreateDatabaseAsync(), ["password"] = "" },
        };
        // The one setting changed from the manifest: the automatic rebalance after a join waits 2 s, not 30.
        var siloOverrides = new Dictionary<string, string> { ["Mallard__Cluster__RebalanceDelay"] = "00:00:02" };
        var siloSet = manifests.Single("StatefulSet", "mallard-silo");
        var silos = Enumerable.Range(0, 4)
            .Select(n => new EmulatedPod(manifests, siloSet, $"mallard-silo-{n}", $"127.0.0.{10 + n}", Path.Combine(data.Path, $"mallard-silo-{n}"), secrets, siloOverrides, clock))
            .ToArray();
        var gatewayDeployment = manifests.Single("Deployment", "mallard-gateway");
        var gateways = Enumerable.Range(0, 2)
            .Select(n => new EmulatedPod(manifests, gatewayDeployment, $"mallard-gateway-{n}", $"127.0.0.{50 + n}", Path.Combine(data.Path, $"mallard-gateway-{n}"), secrets, new Dictionary<string, string>(), clock))
            .ToArray();
        var clients = gateways.Select(g => new HttpClient { BaseAddress = new Uri($"http://{g.PodIp}:8080"), Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        IngestLoad? load = null;
        try
        {
            // Two replicas, then the gateways (their readiness needs an active silo).
            await StartAllAsync(silos[0], silos[1]);
            await StartAllAsync(gateways);
            load = new IngestLoad(clients);
            await load.WaitForAcknowledgedAsync(5);

            // Scale 2 → 4: pods start, partitions rebalance.
            await StartAllAsync(silos[2], silos[3]);
            await WaitForOwnershipAsync(clients[0], owned => MallardCluster.Even(owned, [0, 1, 2, 3]));
            await load.WaitForAcknowledgedAsync(5);

            // Rolling restart, highest ordinal first; each must be ready before the next.
            foreach (var silo in silos.Reverse())
            {
                Assert.Equal(0, await silo.TerminateAsync());
                silo.Start();
                await silo.WaitUntilReadyAsync(ReadyTimeout);
            }

            await load.WaitForAcknowledgedAsync(5);

            // Scale 4 → 3: drain the highest ordinal, then remove its pod.
            using (var drain = await clients[0].PostAsync("/v1/cluster/drain", Json("""{"ordinal": 3}""")))
            {
                Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
            }

            await WaitForOwnershipAsync(clients[0], owned => !owned.ContainsKey(3) && MallardCluster.Even(owned, [0, 1, 2]));
            Assert.Equal(0, await silos[3].TerminateAsync());

            // A node is lost: SIGKILL, then the pod comes back on its volume.
            // Every batch touches every partition, so none is acknowledged until the pod is back.
            var refusedBefore = load.Statuses.Count(s => s != 200);
            await silos[1].KillAsync();
            await load.WaitForRefusalsAsync(refusedBefore + 1);
            silos[1].Start();
            await silos[1].WaitUntilReadyAsync(ReadyTimeout);
            await load.WaitForAcknowledgedAsync(5);

            var acknowledged = await load.StopAsync();
            var owners = MallardCluster.Owners(await GetJsonAsync(clients[0], "/v1/cluster"));
            foreach (var pod in gateways.Concat(silos).Where(p => p.IsRunning))
            {
                Assert.Equal(0, await pod.TerminateAsync());
            }

            // Row by row, from the pods' volumes: every acknowledged record once, on its owner.
            PageViewShards.AssertEveryAcknowledgedRowOnceOnItsOwner([.. silos.Select(s => Path.Combine(data.Path, s.Name, "volumes", "data"))], [.. acknowledged], owners);
            Assert.All(load.Statuses, s => Assert.True(s is 200 or 503 or 409, $"status {s}"));

            // Each pod SIGTERMed answered its readiness probe as unready before its process ended.
            var timeline = silos.Concat(gateways).SelectMany(p => p.Timeline).OrderBy(r => r.At).ToList();
            output.WriteLine(string.Join("\n", timeline.Where(r => r.Probe != "livenessProbe" && !(r.Probe == "readinessProbe" && r.Ok))));
            output.WriteLine($"{acknowledged.Count} records acknowledged in {load.Batches} batches; {load.Statuses.Count(s => s != 200)} refusals retried");
            foreach (var pod in silos.Concat(gateways))
            {
                var events = pod.Timeline;
                for (var i = 0; i < events.Count; i++)
                {
                    if (events[i] is { Probe: "signal", Outcome: "SIGTERM" })
                    {
                        var exit = events.Skip(i).First(e => e.Probe == "exit");
                        Assert.Contains(events.Skip(i).TakeWhile(e => e != exit), e => e is { Probe: "readinessProbe", Ok: false });
                    }
                }
            }
        }
        catch
        {
            // The tails go to the test output; whole logs to a folder that outlives the test.
            var logs = Directory.CreateTempSubdirectory("mallard-emulation-logs-").FullName;
            foreach (var pod in silos.Concat(gateways))
            {
                output.WriteLine($"--- {pod.Name}\n{string.Join("\n", pod.Timeline.TakeLast(15))}\n{pod.Log}");
                File.WriteAllText(Path.Combine(logs, pod.Name + ".log"), string.Join("\n", pod.Timeline) + "\n" + pod.FullLog);
            }

            output.WriteLine($"whole pod logs: {logs}");
            throw;
        }
        finally
        {
            if (load is not null)
            {
                await load.DisposeAsync();
            }

            foreach (var pod in gateways.Concat(silos))
            {
                await pod.DisposeAsync();
            }

            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task StartAllAsync(params EmulatedPod[] pods)
    {
        foreach (var pod in pods)
        {
            pod.Start();
        }

        await Task.WhenAll(pods.Select(p => p.WaitUntilReadyAsync(ReadyTimeout)));
    }

    private static async Task WaitForOwnershipAsync(HttpClient gateway, Func<IReadOnlyDictionary<int, int>, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            var status = await GetJsonAsync(gateway, "/v1/cluster");
            last = status.ToString();
            var running = status.GetProperty("moves").GetProperty("plan") is { ValueKind: JsonValueKind.Object } plan && plan.GetProperty("running").GetBoolean();
            if (!running && condition(MallardCluster.Owners(status).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count())))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail("ownership did not reach the expected spread in 90 s; last status:\n" + last);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path)).RootElement.Clone();

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>
    /// One client sending page_views batches through the gateways in turn (as their Service would),
    /// each with its own Idempotency-Key, retrying a refused batch with the same key after its
    /// Retry-After until it is acknowledged.
    /// </summary>
    private sealed class IngestLoad : IAsyncDisposable
    {
        private readonly HttpClient[] _gateways;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Guid> _acknowledged = [];
        private readonly List<int> _statuses = [];
        private readonly Task _run;
        private int _batches;
        private string _lastRefusal = "none";

        public IngestLoad(HttpClient[] gateways)
        {
            _gateways = gateways;
            _run = Task.Run(RunAsync);
        }

        public int Batches => Volatile.Read(ref _batches);

        public IReadOnlyList<int> Statuses
        {
            get
            {
                lock (_statuses)
                {
                    return [.. _statuses];
                }
            }
        }

        public async Task WaitForAcknowledgedAsync(int more)
        {
            var target = Batches + more;
            var deadline = Stopwatch.StartNew();
            while (Batches < target)
            {
                if (_run.IsFaulted)
                {
                    await _run;
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"ingest stalled at {Batches} batches; last refusal: {Volatile.Read(ref _lastRefusal)}");
                await Task.Delay(50);
            }
        }

        public async Task WaitForRefusalsAsync(int total)
        {
            var deadline = Stopwatch.StartNew();
            while (Statuses.Count(s => s != 200) < total)
            {
                if (_run.IsFaulted)
                {
                    await _run;
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), "no refusal seen while a silo was down");
                await Task.Delay(50);
            }
        }

        public async Task<IReadOnlyList<Guid>> StopAsync()
        {
            await _stop.CancelAsync();
            await _run;
            return _acknowledged;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch
            {
                // Reported by the test.
            }

            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                var views = PageView.Generate(100, 300_000 + n);
                var body = PageView.JsonArray(views);
                var deadline = Stopwatch.StartNew();
                for (var attempt = 0; ; attempt++)
                {
                    // Once started, a batch is retried to the end even while stopping: its fate must be known.
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/page_views/records") { Content = new StringContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Add("Idempotency-Key", $"k8s-{n}");
                    int status;
                    TimeSpan? retryAfter = null;
                    try
                    {
                        using var response = await _gateways[(n + attempt) % _gateways.Length].SendAsync(request);
                        status = (int)response.StatusCode;
                        retryAfter = response.Headers.RetryAfter?.Delta;
                        if (status != 200)
                        {
                            Volatile.Write(ref _lastRefusal, $"{status} {await response.Content.ReadAsStringAsync()}");
                        }

                        Assert.True(status == 200 || retryAfter is not null, $"{status} without Retry-After: {await response.Content.ReadAsStringAsync()}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        // A gateway pod going away mid-request, or a request past the client's
                        // timeout: the Service would send the retry elsewhere.
                        Volatile.Write(ref _lastRefusal, e.GetType().Name + ": " + e.Message);
                        status = 0;
                    }

                    lock (_statuses)
                    {
                        if (status != 0)
                        {
                            _statuses.Add(status);
                        }

                        if (status == 200)
                        {
                            _acknowledged.AddRange(views.Select(v => v.EventId));
                        }
                    }

                    if (status == 200)
                    {
                        Interlocked.Increment(ref _batches);
                        break;
                    }

                    Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), $"batch k8s-{n} not acknowledged in 120 s (last status {status})");
                    await Task.Delay(retryAfter ?? TimeSpan.FromMilliseconds(500));
                }
            }
        }
    }
}

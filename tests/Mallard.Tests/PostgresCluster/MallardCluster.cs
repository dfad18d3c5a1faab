using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>
/// Mallard in PostgreSQL cluster mode as an operator runs it: each silo its own OS process with
/// its own ordinal, ports and data directory, plus one gateway process, all on loopback against
/// one database. Silos can be SIGKILLed, SIGTERMed and restarted with the same ordinal and data.
/// </summary>
public sealed class MallardCluster : IAsyncDisposable
{
    /// <summary>page_views' partitions in the repository's contract.</summary>
    public const int Partitions = 8;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new("mallard-pgcluster");
    private readonly string _connectionString;
    private readonly string _clusterId;
    private readonly string _serviceId;
    private readonly MallardProcess?[] _silos;
    private readonly (int Silo, int Gateway, int Http)[] _ports;
    private readonly int _apiPort = FreePort.Next();
    private readonly string[] _siloSettings;
    private MallardProcess? _api;

    /// <param name="connectionString">The cluster database.</param>
    /// <param name="silos">Silos <see cref="StartAsync"/> starts (ordinals 0 to silos - 1).</param>
    /// <param name="clusterId">The Orleans cluster id (a fresh one by default).</param>
    /// <param name="serviceId">The Orleans service id, which scopes Mallard's rows in the database.</param>
    /// <param name="capacity">Ordinals that may run at all (more can join later with <see cref="StartSiloAsync"/>); default <paramref name="silos"/>.</param>
    /// <param name="siloSettings">Extra command-line settings for every silo.</param>
    public MallardCluster(string connectionString, int silos, string? clusterId = null, string? serviceId = null, int? capacity = null, params string[] siloSettings)
    {
        _connectionString = connectionString;
        _clusterId = clusterId ?? $"c{Guid.NewGuid():N}";
        _serviceId = serviceId ?? "mallard-test";
        SiloCount = silos;
        _siloSettings = siloSettings;
        _silos = new MallardProcess?[Math.Max(silos, capacity ?? silos)];
        _ports = Enumerable.Range(0, _silos.Length).Select(_ => (FreePort.Next(), FreePort.Next(), FreePort.Next())).ToArray();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    /// <summary>Extra command-line settings for every silo and the gateway (for example the cluster's TLS files).</summary>
    public IReadOnlyList<string> CommonSettings { get; init; } = [];

    /// <summary>Environment variables for every silo started without its own (for example a pause point).</summary>
    public IReadOnlyDictionary<string, string>? SiloEnvironment { get; init; }

    /// <summary>The silos the cluster started with.</summary>
    public int SiloCount { get; }

    /// <summary>The silo port of <paramref name="ordinal"/> (part of its Orleans address).</summary>
    public int SiloPort(int ordinal) => _ports[ordinal].Silo;

    /// <summary>The port gateways (Orleans clients) connect to on <paramref name="ordinal"/>.</summary>
    public int GatewayPort(int ordinal) => _ports[ordinal].Gateway;

    public string DataDirectory(int ordinal) => Path.Combine(_data.Path, $"silo-{ordinal}");

    /// <summary>Starts every silo, then the gateway, and waits until the gateway sees all silos.</summary>
    public async Task StartAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, SiloCount).Select(o => StartSiloAsync(o)));
        _api = MallardProcess.Start("Mallard.Api.dll", [.. Common(), $"--urls=http://127.0.0.1:{_apiPort}"]);
        await WaitForSilosAsync(SiloCount);
    }

    /// <summary>Starts silo <paramref name="ordinal"/> and waits for its health endpoint; <paramref name="environment"/> for example sets a fail point.</summary>
    public async Task StartSiloAsync(int ordinal, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (siloPort, gatewayPort, httpPort) = _ports[ordinal];
        var silo = MallardProcess.Start(
            "Mallard.Silo.dll",
            [
                .. Common(),
                .. _siloSettings,
                $"--Mallard:Cluster:Ordinal={ordinal}",
                $"--Mallard:Cluster:SiloPort={siloPort}",
                $"--Mallard:Cluster:GatewayPort={gatewayPort}",
                $"--Mallard:Silo:HttpPort={httpPort}",
                $"--Mallard:Shards:DataDirectory={DataDirectory(ordinal)}",
            ],
            environment ?? SiloEnvironment);
        _silos[ordinal] = silo;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await WaitUntilAsync(http, "/healthz", silo, _ => true);
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for silo <paramref name="ordinal"/> to end by itself (a fail point killed it); false if it is still running.</summary>
    public async Task<bool> WaitForSiloExitAsync(int ordinal, TimeSpan timeout)
    {
        var silo = _silos[ordinal] ?? throw new InvalidOperationException($"silo {ordinal} is not running");
        var deadline = DateTime.UtcNow + timeout;
        while (!silo.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        if (!silo.HasExited)
        {
            return false;
        }

        silo.Dispose();
        _silos[ordinal] = null;
        return true;
    }

    /// <summary>SIGKILL, as a crashed machine.</summary>
    public async Task KillSiloAsync(int ordinal)
    {
        var silo = _silos[ordinal] ?? throw new InvalidOperationException($"silo {ordinal} is not running");
        await silo.KillAsync();
        silo.Dispose();
        _silos[ordinal] = null;
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod; returns the exit code.</summary>
    public async Task<int> TerminateSiloAsync(int ordinal)
    {
        var silo = _silos[ordinal] ?? throw new InvalidOperationException($"silo {ordinal} is not running");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        await silo.TerminateAsync(timeout.Token);
        var code = silo.ExitCode;
        silo.Dispose();
        _silos[ordinal] = null;
        return code;
    }

    /// <summary>Waits until the gateway reports <paramref name="active"/> active silos.</summary>
    public Task WaitForSilosAsync(int active) =>
        WaitUntilAsync(Http, "/readyz", _api!, body => body.Contains($"ready: {active} silo", StringComparison.Ordinal));

    public async Task<HttpResponseMessage> PostRecordsAsync(string body, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/page_views/records") { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Posts as a client that honours retryable refusals: a 503 with Retry-After (a partition whose
    /// switch is still settling) is sent again with the same key, for up to 15 s. Every refusal seen
    /// is added to <see cref="Refusals"/>, so a test can show it.
    /// </summary>
    public async Task<HttpResponseMessage> PostRecordsRetryingAsync(string body, string idempotencyKey)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var response = await PostRecordsAsync(body, idempotencyKey);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is not { } wait || DateTime.UtcNow > deadline)
            {
                return response;
            }

            Refusals.Add(await response.Content.ReadAsStringAsync());
            response.Dispose();
            await Task.Delay(wait);
        }
    }

    /// <summary><see cref="QueryAsync"/> that retries a 503 with Retry-After for up to 15 s, like <see cref="PostRecordsRetryingAsync"/>.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> QueryRetryingAsync(string query)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var (status, body) = await QueryAsync(query);
            if (status != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                return (status, body);
            }

            Refusals.Add(body.ToString());
            await Task.Delay(TimeSpan.FromSeconds(ErrorCatalogRetryAfterSeconds));
        }
    }

    /// <summary>Retryable refusals the retrying helpers met (problem bodies).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> Refusals { get; } = [];

    private const int ErrorCatalogRetryAfterSeconds = Mallard.Partitions.ErrorCatalog.RetryAfterSeconds;

    public async Task<(HttpStatusCode Status, JsonElement Body)> QueryAsync(string query)
    {
        using var content = new StringContent(query);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync("/v1/datasets/page_views/query", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var text = await Http.GetStringAsync(path);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Owner ordinal of each of page_views' 8 partitions, from a <c>GET /v1/cluster</c> answer's ordinals (-1 when none).</summary>
    public static int[] Owners(JsonElement status)
    {
        var owners = Enumerable.Repeat(-1, Partitions).ToArray();
        foreach (var ordinal in status.GetProperty("ordinals").EnumerateArray())
        {
            if (ordinal.GetProperty("partitions").TryGetProperty("page_views", out var partitions))
            {
                foreach (var p in partitions.EnumerateArray())
                {
                    owners[p.GetInt32()] = ordinal.GetProperty("ordinal").GetInt32();
                }
            }
        }

        return owners;
    }

    /// <summary>
    /// With every silo stopped: each acknowledged record is stored exactly once, and every shard
    /// file holding rows is on the ordinal that owns its partition (<paramref name="owners"/>).
    /// </summary>
    public void AssertEveryAcknowledgedRowOnceOnItsOwner(IReadOnlyCollection<Http.PageView> acknowledged, int[] owners) =>
        AssertEveryAcknowledgedRowOnceOnItsOwner(acknowledged.Select(v => v.EventId).ToList(), owners);

    /// <inheritdoc cref="AssertEveryAcknowledgedRowOnceOnItsOwner(IReadOnlyCollection{Http.PageView}, int[])"/>
    public void AssertEveryAcknowledgedRowOnceOnItsOwner(IReadOnlyCollection<Guid> acknowledged, int[] owners) =>
        PageViewShards.AssertEveryAcknowledgedRowOnceOnItsOwner([.. Enumerable.Range(0, _silos.Length).Select(DataDirectory)], acknowledged, owners);

    /// <summary>True when the partitions of <paramref name="ordinals"/> (and only theirs) are within one of even.</summary>
    public static bool Even(IReadOnlyDictionary<int, int> owned, int[] ordinals) =>
        owned.Keys.All(ordinals.Contains)
        && ordinals.All(o => owned.GetValueOrDefault(o) is var n && n >= Partitions / ordinals.Length && n <= (Partitions + ordinals.Length - 1) / ordinals.Length);

    /// <summary>Waits (90 s at most) until the partitions each ordinal owns satisfy the condition and no plan runs.</summary>
    public async Task WaitForOwnershipAsync(Func<IReadOnlyDictionary<int, int>, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var status = await GetJsonAsync("/v1/cluster");
            last = status.ToString();
            var running = status.GetProperty("moves").GetProperty("plan") is { ValueKind: JsonValueKind.Object } plan && plan.GetProperty("running").GetBoolean();
            var owned = Owners(status).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
            if (!running && condition(owned))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"ownership did not reach the expected spread in 90 s; last status:\n{last}\n{Logs()}");
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>Every page_views row stored in the shard files of <paramref name="ordinal"/> (the silo must be stopped).</summary>
    public List<(Guid EventId, int Partition)> ReadShards(int ordinal) => PageViewShards.Read(DataDirectory(ordinal));

    /// <summary>The last lines each process wrote, for a failing assertion's message.</summary>
    public string Logs() =>
        string.Join("\n", _silos.Select((s, i) => $"--- silo {i}:\n{s?.Log ?? "(stopped)"}").Append($"--- api:\n{_api?.Log}"));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _api?.Dispose();
        await Task.WhenAll(_silos.Where(s => s is not null).Select(s => Task.Run(s!.Dispose)));
        _data.Dispose();
    }

    private string[] Common() =>
    [
        $"--Mallard:Schema={RepositoryPaths.File("schema.yaml")}",
        "--Mallard:Cluster:Mode=PostgreSql",
        $"--Mallard:Cluster:PostgreSql={_connectionString}",
        $"--Mallard:Cluster:ClusterId={_clusterId}",
        $"--Mallard:Cluster:ServiceId={_serviceId}",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Mallard.Grains.Moves=Information",
        "--Logging:LogLevel:Mallard.Grains.Rebalancing=Information",
        .. CommonSettings,
    ];

    // Waits for a started process's endpoint, at most StartTimeout.
    private static async Task WaitUntilAsync(HttpClient http, string path, MallardProcess process, Func<string, bool> accept)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            await process.WaitUntilReadyAsync(http, path, timeout.Token, accept);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{path} did not become ready within {StartTimeout}:\n{process.Log}");
        }
    }
}

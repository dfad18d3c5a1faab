using System.Net;
using System.Net.Http.Headers;
using DuckDB.NET.Data;
using Mallard.Tests.Http;
using Mallard.Tests.Support;
using Xunit.Abstractions;

namespace Mallard.Tests.ExactlyOnce;

/// <summary>
/// The silo and the gateway run as separate processes. A client streams batches with
/// Idempotency-Keys and retries every failure while the silo is killed over and over — by SIGKILL at
/// random moments, and by a fail point between writing a batch and committing it. Afterwards the
/// shard files hold exactly the records of every batch, each once.
/// </summary>
public sealed class SiloCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int MinimumKills = 20;
    private const int MinimumBatches = 100;
    private const int RowsPerBatch = 200;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(6);

    private readonly TempDirectory _data = new("mallard-crash");
    private readonly int _siloPort = FreePort.Next();
    private readonly int _gatewayPort = FreePort.Next();
    private readonly int _siloHttpPort = FreePort.Next();
    private readonly int _apiPort = FreePort.Next();

    [Fact]
    public async Task Ingest_with_retries_through_repeated_silo_kills_loses_and_doubles_nothing()
    {
        using var deadline = new CancellationTokenSource(Budget);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}"), Timeout = TimeSpan.FromSeconds(20) };
        var random = new Random(20261126);
        var silo = await StartSiloAsync(deadline.Token);
        using var api = MallardProcess.Start("Mallard.Api.dll", [.. Common(), $"--urls=http://127.0.0.1:{_apiPort}", "--Logging:LogLevel:Default=Warning"]);
        await api.WaitUntilReadyAsync(http, "/readyz", deadline.Token);

        var sent = new List<PageView>();
        var kills = 0;
        var failPointKills = 0;
        var retries = 0;
        var clientDone = false;
        var client = Task.Run(async () =>
        {
            for (var batch = 0; kills < MinimumKills || batch < MinimumBatches; batch++)
            {
                var views = PageView.Generate(RowsPerBatch, seed: 1_000_000 + batch);
                var body = PageView.JsonArray(views);
                while (true)
                {
                    deadline.Token.ThrowIfCancellationRequested();
                    if (await TryPostAsync(http, body, $"crash-batch-{batch}", deadline.Token))
                    {
                        break;
                    }

                    Interlocked.Increment(ref retries);
                    await Task.Delay(random.Next(20, 120), deadline.Token); // client back-off between retries
                }

                lock (sent)
                {
                    sent.AddRange(views);
                }
            }

            clientDone = true;
        }, deadline.Token);

        try
        {
            while (!clientDone)
            {
                if (client.IsFaulted)
                {
                    await client;
                }

                var useFailPoint = kills % 3 == 1;
                if (useFailPoint)
                {
                    // The fail point kills the silo between writing a batch and committing it.
                    silo.Dispose();
                    // Not waited for: with the client retrying, its fail point can fire before
                    // /healthz answers; its exit is what this waits for.
                    silo = StartSilo(failPointAt: random.Next(1, 6));
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                    wait.CancelAfter(TimeSpan.FromSeconds(20));
                    try
                    {
                        await silo.WaitForExitAsync(wait.Token);
                        failPointKills++;
                    }
                    catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                    {
                        await silo.KillAsync();
                    }
                }
                else
                {
                    await Task.Delay(random.Next(100, 1500), deadline.Token); // a random moment to kill at
                    await silo.KillAsync();
                }

                kills++;
                silo.Dispose();
                silo = await StartSiloAsync(deadline.Token);
                if (kills >= MinimumKills)
                {
                    await client;
                }
            }

            await client;
        }
        finally
        {
            silo.Dispose();
        }

        output.WriteLine($"{kills} kills ({failPointKills} at the fail point), {retries} retries, {sent.Count} records acknowledged");
        api.Dispose();
        silo.Dispose();

        var stored = ReadShards();
        Assert.True(kills >= MinimumKills, $"only {kills} kills");
        Assert.True(failPointKills > 0, "no kill happened at the fail point");
        var doubled = stored.GroupBy(r => r.EventId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} records stored twice, e.g. {string.Join(", ", doubled.Take(3))}");
        var byId = stored.ToDictionary(r => r.EventId);
        var lost = sent.Where(v => !byId.ContainsKey(v.EventId)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged records missing, e.g. {string.Join(", ", lost.Take(3).Select(v => v.EventId))}");
        Assert.Equal(sent.Count, stored.Count);
        Assert.All(sent, v => Assert.Equal((v.UserId, v.Bytes, v.DurationMs), (byId[v.EventId].UserId, byId[v.EventId].Bytes, byId[v.EventId].DurationMs)));
    }

    public void Dispose() => _data.Dispose();

    private string[] Common() =>
    [
        $"--Mallard:Schema={RepositoryPaths.File("schema.yaml")}",
        $"--Mallard:Cluster:SiloPort={_siloPort}",
        $"--Mallard:Cluster:GatewayPort={_gatewayPort}",
        "--Mallard:Cluster:ResponseTimeout=00:00:05",
    ];

    private MallardProcess StartSilo(int? failPointAt)
    {
        var environment = failPointAt is { } at
            ? new Dictionary<string, string> { ["MALLARD_FAILPOINT"] = $"shard.before_commit@{at}" }
            : null;
        return MallardProcess.Start(
            "Mallard.Silo.dll",
            [.. Common(), $"--Mallard:Shards:DataDirectory={_data.Path}", $"--Mallard:Silo:HttpPort={_siloHttpPort}", "--Logging:LogLevel:Default=Warning"],
            environment);
    }

    private async Task<MallardProcess> StartSiloAsync(CancellationToken cancellationToken)
    {
        var silo = StartSilo(failPointAt: null);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_siloHttpPort}") };
        await silo.WaitUntilReadyAsync(http, "/healthz", cancellationToken);
        return silo;
    }

    private static async Task<bool> TryPostAsync(HttpClient http, string body, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/page_views/records") { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return true;
            }

            var status = (int)response.StatusCode;
            Assert.True(status is 503 or 409, $"unexpected {status}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private List<(Guid EventId, string UserId, long Bytes, int DurationMs)> ReadShards()
    {
        var rows = new List<(Guid, string, long, int)>();
        foreach (var file in Directory.GetFiles(Path.Combine(_data.Path, "shards", "page_views"), "*.duckdb"))
        {
            using var connection = new DuckDBConnection($"Data Source={file};ACCESS_MODE=READ_ONLY");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT event_id, user_id, bytes, duration_ms FROM page_views";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3)));
            }
        }

        return rows;
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Mallard.Contract;
using Mallard.Partitions;
using Mallard.Tests.Http;
using Mallard.Tests.Support;
using Xunit.Abstractions;

namespace Mallard.Tests.PostgresCluster;

/// <summary>
/// Mallard as several silo processes on a private PostgreSQL: partitions live on their owner
/// ordinal, a dead owner's partitions fail fast while the rest keep working, a restarted owner
/// brings every acknowledged row back exactly once, a stale activation never writes, and
/// ownership and fencing epochs survive restarts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterModeTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly DatasetDefinition PageViews = ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml")).Datasets["page_views"];

    [Fact]
    public async Task ThreeSilos_spreadPartitionsOverOrdinals_andServeIngestAndQueryAcrossAll()
    {
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 3);
        await cluster.StartAsync();

        var views = PageView.Generate(4_000, seed: 6001);
        foreach (var chunk in views.Chunk(1_000))
        {
            using var response = await cluster.PostRecordsAsync(PageView.JsonArray(chunk));
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync() + cluster.Logs());
        }

        var (status, body) = await cluster.QueryAsync("""{"groupBy": ["country"], "aggregates": [{"fn": "count", "as": "n"}, {"fn": "sum", "column": "duration_ms", "as": "ms"}], "orderBy": [{"column": "country"}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = views.GroupBy(v => v.Country).OrderBy(g => g.Key is null ? 1 : 0).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.LongCount(), g.Sum(v => (long)v.DurationMs))).ToList();
        var actual = body.GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("country").GetString(), long.Parse(r.GetProperty("n").GetString()!), long.Parse(r.GetProperty("ms").GetString()!))).ToList();
        Assert.Equal(expected, actual);

        // Each partition is active on the silo of its owner ordinal (p mod 3), and all three silos serve.
        var state = await cluster.GetJsonAsync("/v1/cluster");
        var active = state.GetProperty("silos").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "Active").Select(s => s.GetProperty("name").GetString()!).Order().ToArray();
        Assert.Equal(["mallard-silo-0", "mallard-silo-1", "mallard-silo-2"], active);
        foreach (var partition in state.GetProperty("partitions").EnumerateArray())
        {
            var number = partition.GetProperty("partition").GetInt32();
            Assert.Equal(number % 3, partition.GetProperty("owner").GetInt32());
            Assert.Contains($":{cluster.SiloPort(number % 3)}:", partition.GetProperty("silo").GetString());
            Assert.True(partition.GetProperty("epoch").GetInt64() >= 1);
        }

        // The Orleans dashboard (served by the gateway) sees the same three silos.
        var dashboard = await cluster.GetJsonAsync("/dashboard/DashboardCounters");
        var dashboardSilos = dashboard.GetProperty("hosts").EnumerateArray().Where(h => h.GetProperty("status").GetString() == "Active").Select(h => h.GetProperty("siloName").GetString()!).Order().ToArray();
        Assert.Equal(["mallard-silo-0", "mallard-silo-1", "mallard-silo-2"], dashboardSilos);
    }

    [Fact]
    public async Task SiloKilledUnderLoad_itsPartitionsFailFast_othersKeepAccepting_andRestartKeepsEveryAcknowledgedRowOnce()
    {
        const int victim = 1;
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 3);
        await cluster.StartAsync();

        var acknowledged = new List<PageView>();
        var failedMixed = new List<(string Key, List<PageView> Views)>();
        var observations = new List<(TimeSpan At, TimeSpan Took, bool Mixed, int Status, string Code)>();
        var clock = Stopwatch.StartNew();
        TimeSpan? killedAt = null;
        using var stop = new CancellationTokenSource();

        // Two clients: one sends batches over every partition, the other only records whose
        // partitions live on the silos that stay up.
        async Task RunClientAsync(bool mixed)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var seed = (mixed ? 100_000 : 200_000) + n;
                var views = PageView.Generate(mixed ? 120 : 300, seed);
                if (!mixed)
                {
                    views = views.Where(v => OwnerOf(v) != victim).ToList();
                }

                var key = $"{(mixed ? "mixed" : "live")}-{n}";
                var started = clock.Elapsed;
                using var response = await cluster.PostRecordsAsync(PageView.JsonArray(views), key);
                var text = await response.Content.ReadAsStringAsync();
                var code = response.StatusCode == HttpStatusCode.OK ? "" : JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
                lock (observations)
                {
                    observations.Add((started, clock.Elapsed - started, mixed, (int)response.StatusCode, code));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged.AddRange(views);
                    }
                    else
                    {
                        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
                        Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
                        failedMixed.Add((key, views));
                    }
                }

                await Task.Delay(20);
            }
        }

        var clients = new[] { Task.Run(() => RunClientAsync(mixed: true)), Task.Run(() => RunClientAsync(mixed: false)) };
        await WaitForAsync(observations, () => observations.Count(o => o.Status == 200) >= 10, clients);

        killedAt = clock.Elapsed;
        await cluster.KillSiloAsync(victim);
        await WaitForAsync(observations, () => observations.Count(o => o.At > killedAt + TimeSpan.FromSeconds(3) && o.Mixed) >= 5 && observations.Count(o => o.At > killedAt + TimeSpan.FromSeconds(3) && !o.Mixed) >= 5, clients);

        var restartedAt = clock.Elapsed;
        await cluster.StartSiloAsync(victim);
        await WaitForAsync(observations, () => observations.Any(o => o.At > restartedAt && o.Mixed && o.Status == 200), clients);
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        var recoveredAt = observations.First(o => o.At > restartedAt && o.Mixed && o.Status == 200).At;

        var afterKill = observations.Where(o => o.At >= killedAt && o.At < restartedAt).ToList();
        var first503 = afterKill.Where(o => o.Status == 503).Select(o => o.At + o.Took).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        output.WriteLine($"time to first 503 after the kill: {(first503 - killedAt.Value).TotalMilliseconds:F0} ms");
        output.WriteLine($"slowest answer while the silo was down: {afterKill.Max(o => o.Took).TotalMilliseconds:F0} ms over {afterKill.Count} requests");
        output.WriteLine($"recovery: first mixed batch accepted {(recoveredAt - restartedAt).TotalMilliseconds:F0} ms after the restart began");
        output.WriteLine($"codes while down: {string.Join(", ", afterKill.GroupBy(o => (o.Mixed ? "mixed" : "live") + " " + o.Status + " " + o.Code).Select(g => $"{g.Key} x{g.Count()}"))}");

        // Fail fast: nothing waited anywhere near the 5 s response timeout, and once the cluster
        // had noticed (3 s), every batch touching the dead silo's partitions was refused as
        // partition_unavailable while every batch for the other partitions was accepted.
        Assert.True(afterKill.Max(o => o.Took) < TimeSpan.FromSeconds(4), cluster.Logs());
        var settled = afterKill.Where(o => o.At > killedAt + TimeSpan.FromSeconds(3)).ToList();
        Assert.All(settled.Where(o => o.Mixed), o => Assert.Equal((503, "partition_unavailable"), (o.Status, o.Code)));
        Assert.All(settled.Where(o => !o.Mixed), o => Assert.Equal(200, o.Status));

        // Retried with their keys, the refused batches apply only what is missing.
        foreach (var (key, views) in failedMixed)
        {
            using var response = await cluster.PostRecordsAsync(PageView.JsonArray(views), key);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            acknowledged.AddRange(views);
        }

        for (var ordinal = 0; ordinal < 3; ordinal++)
        {
            Assert.Equal(0, await cluster.TerminateSiloAsync(ordinal));
        }

        var stored = Enumerable.Range(0, 3).SelectMany(o => cluster.ReadShards(o).Select(r => (r.EventId, r.Partition, Ordinal: o))).ToList();
        Assert.All(stored, r => Assert.Equal(r.Partition % 3, r.Ordinal)); // no shard was ever opened off its owner
        var doubled = stored.GroupBy(r => r.EventId).Count(g => g.Count() > 1);
        Assert.Equal(0, doubled);
        var storedIds = stored.Select(r => r.EventId).ToHashSet();
        var lost = acknowledged.Count(v => !storedIds.Contains(v.EventId));
        Assert.Equal(0, lost);
        Assert.Equal(acknowledged.Select(v => v.EventId).Distinct().Count(), stored.Count);
    }

    [Fact]
    public async Task TwoActivationsOfOnePartition_theStaleOne_neverWrites()
    {
        // Two single-silo clusters that share one ServiceId (so one ownership map and one lease per
        // partition in PostgreSQL) but not membership: both believe they own every partition, which
        // is exactly the duplicate activation fencing exists for.
        var database = await postgres.CreateDatabaseAsync();
        await using var first = new MallardCluster(database, silos: 1, clusterId: "fence-a", serviceId: "fenced");
        await using var second = new MallardCluster(database, silos: 1, clusterId: "fence-b", serviceId: "fenced");
        await first.StartAsync();
        await second.StartAsync();

        var early = PageView.Generate(400, seed: 7001);
        using (var response = await first.PostRecordsAsync(PageView.JsonArray(early)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var takeover = PageView.Generate(400, seed: 7002);
        using (var response = await second.PostRecordsAsync(PageView.JsonArray(takeover)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var stale = PageView.Generate(400, seed: 7003);
        using (var response = await first.PostRecordsAsync(PageView.JsonArray(stale)))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, text);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal("partition_unavailable", problem.GetProperty("code").GetString());
            Assert.Contains("fenced", problem.GetProperty("detail").GetString());
            Assert.Equal(Enumerable.Range(0, 8), problem.GetProperty("failedPartitions").EnumerateArray().Select(p => p.GetInt32()));
        }

        Assert.Equal(0, await first.TerminateSiloAsync(0));
        Assert.Equal(0, await second.TerminateSiloAsync(0));
        Assert.Equal(early.Select(v => v.EventId).Order(), first.ReadShards(0).Select(r => r.EventId).Order());
        Assert.Equal(takeover.Select(v => v.EventId).Order(), second.ReadShards(0).Select(r => r.EventId).Order());
    }

    [Fact]
    public async Task SilosRestarted_ownershipAndEpochs_surviveInPostgres()
    {
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 3);
        await cluster.StartAsync();
        var before = PageView.Generate(800, seed: 8001);
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(before)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var first = await PartitionsAsync(cluster);

        // SIGTERM: each silo drains, closes its shards and leaves the cluster cleanly.
        for (var ordinal = 0; ordinal < 3; ordinal++)
        {
            Assert.Equal(0, await cluster.TerminateSiloAsync(ordinal));
        }

        for (var ordinal = 2; ordinal >= 0; ordinal--)
        {
            await cluster.StartSiloAsync(ordinal); // a different start order must not move anything
        }

        await cluster.WaitForSilosAsync(3);
        var after = PageView.Generate(800, seed: 8002);
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(after)))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync() + cluster.Logs());
        }

        var second = await PartitionsAsync(cluster);
        foreach (var (partition, (owner, epoch, _)) in first)
        {
            Assert.Equal(owner, second[partition].Owner);
            Assert.Equal(epoch + 1, second[partition].Epoch); // one new activation, above the stored epoch
        }

        Assert.Equal(before.Count + after.Count, second.Values.Sum(p => p.Rows));
    }

    private static async Task<Dictionary<int, (int Owner, long Epoch, long Rows)>> PartitionsAsync(MallardCluster cluster)
    {
        var state = await cluster.GetJsonAsync("/v1/cluster");
        return state.GetProperty("partitions").EnumerateArray().ToDictionary(
            p => p.GetProperty("partition").GetInt32(),
            p => (p.GetProperty("owner").GetInt32(), p.GetProperty("epoch").GetInt64(), long.Parse(p.GetProperty("rows").GetString()!)));
    }

    // Owners spread as p mod 3 (checked by the first test).
    private static int OwnerOf(PageView view)
    {
        var columns = new ColumnVector[PageViews.Columns.Count];
        PageViews.TryGetColumn("user_id", out var userId);
        columns[userId.Ordinal] = new ColumnVector { Kind = ColumnKind.String, Count = 1, Strings = [view.UserId] };
        return PartitionHasher.PartitionOf(PageViews, columns, 0) % 3;
    }

    private static async Task WaitForAsync(object gate, Func<bool> condition, Task[] clients)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!Locked(gate, condition))
        {
            if (clients.FirstOrDefault(c => c.IsFaulted) is { } failed)
            {
                await failed;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private static bool Locked(object gate, Func<bool> condition)
    {
        lock (gate)
        {
            return condition();
        }
    }
}

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
        await using var load = new ClusterLoad(cluster, spared: victim);
        await load.WaitUntilAsync(o => o.Count(x => x.Status == 200) >= 10);

        await cluster.KillSiloAsync(victim);
        var killedAt = load.Now; // the process has exited
        var settledAt = killedAt + TimeSpan.FromSeconds(3);
        await load.WaitUntilAsync(o => o.Count(x => x.At > settledAt && x.Mixed) >= 5 && o.Count(x => x.At > settledAt && !x.Mixed) >= 5);

        var restartedAt = load.Now;
        await cluster.StartSiloAsync(victim);
        await load.WaitUntilAsync(o => o.Any(x => x.At > restartedAt && x.Mixed && x.Status == 200));
        var observations = await load.StopAsync();
        var recoveredAt = observations.First(o => o.At > restartedAt && o.Mixed && o.Status == 200).At;

        // Requests sent after the kill, and those in flight at it.
        var down = observations.Where(o => o.At >= killedAt && o.At < restartedAt).ToList();
        var inFlight = observations.Where(o => o.At < killedAt && o.At + o.Took > killedAt).ToList();
        var first503 = down.Where(o => o.Status == 503).Select(o => o.At + o.Took).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        var slowest = down.MaxBy(o => o.Took)!;
        output.WriteLine($"time to first 503 after the kill: {(first503 - killedAt).TotalMilliseconds:F0} ms");
        output.WriteLine($"slowest of {down.Count} requests sent while the silo was down: {slowest.Took.TotalMilliseconds:F0} ms (sent {(slowest.At - killedAt).TotalMilliseconds:F0} ms after the kill): {slowest.Status} {slowest.Code}");
        output.WriteLine($"in flight at the kill: {inFlight.Count}, answered within {inFlight.Select(o => (o.At + o.Took - killedAt).TotalMilliseconds).DefaultIfEmpty(0).Max():F0} ms of it: {string.Join(", ", inFlight.Select(o => $"{o.Status} {o.Code}"))}");
        output.WriteLine($"recovery: first mixed batch accepted {(recoveredAt - restartedAt).TotalMilliseconds:F0} ms after the restart began");
        output.WriteLine($"answers while down: {string.Join(", ", down.GroupBy(o => (o.Mixed ? "mixed" : "live") + " " + o.Status + " " + o.Code).Select(g => $"{g.Key} x{g.Count()}"))}");

        // Fail fast: a request sent after the kill never waited near the 5 s response timeout, and
        // once the cluster had noticed (3 s), every batch touching the dead silo's partitions was
        // refused as partition_unavailable while every batch for the other partitions was
        // accepted. A request the dead silo's gateway had already taken is answered by the
        // response timeout (Orleans does not fail requests handed to a gateway that dies).
        Assert.True(slowest.Took < TimeSpan.FromSeconds(4), cluster.Logs());
        Assert.All(inFlight, o => Assert.True(o.At + o.Took - killedAt < TimeSpan.FromSeconds(6.5), $"a request in flight at the kill took {o.Took}"));
        var settled = down.Where(o => o.At > settledAt).ToList();
        Assert.All(settled.Where(o => o.Mixed), o => Assert.Equal((503, "partition_unavailable"), (o.Status, o.Code)));
        Assert.All(settled.Where(o => !o.Mixed), o => Assert.Equal(200, o.Status));

        // Retried with their keys, the refused batches apply only what is missing.
        var acknowledged = await load.RetryRefusedAsync();
        await AssertStoredOnceOnOwnersAsync(cluster, acknowledged);
    }

    [Fact]
    public async Task SiloTerminatedUnderLoad_drainsAndExitsCleanly_losingNoAcknowledgedRow()
    {
        const int victim = 2;
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 3);
        await cluster.StartAsync();
        await using var load = new ClusterLoad(cluster, spared: victim);
        await load.WaitUntilAsync(o => o.Count(x => x.Status == 200) >= 10);

        var stopping = Stopwatch.StartNew();
        Assert.Equal(0, await cluster.TerminateSiloAsync(victim));
        output.WriteLine($"SIGTERM to exit under load: {stopping.ElapsedMilliseconds} ms");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(30), "the silo did not stop within its shutdown timeout");

        var restartedAt = load.Now;
        await cluster.StartSiloAsync(victim);
        await load.WaitUntilAsync(o => o.Any(x => x.At > restartedAt && x.Mixed && x.Status == 200));
        var observations = await load.StopAsync();
        output.WriteLine($"answers: {string.Join(", ", observations.GroupBy(o => (o.Mixed ? "mixed" : "live") + " " + o.Status + " " + o.Code).Select(g => $"{g.Key} x{g.Count()}"))}");

        var acknowledged = await load.RetryRefusedAsync();
        await AssertStoredOnceOnOwnersAsync(cluster, acknowledged);
    }

    // Stops every silo with SIGTERM (each must exit 0), then reads the shard files: every
    // acknowledged record once, and every shard on its owner's disk.
    private static async Task AssertStoredOnceOnOwnersAsync(MallardCluster cluster, IReadOnlyList<PageView> acknowledged)
    {
        for (var ordinal = 0; ordinal < cluster.SiloCount; ordinal++)
        {
            Assert.Equal(0, await cluster.TerminateSiloAsync(ordinal));
        }

        cluster.AssertEveryAcknowledgedRowOnceOnItsOwner([.. acknowledged], Enumerable.Range(0, 8).Select(p => p % cluster.SiloCount).ToArray());
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
    public async Task StaleActivationPausedAfterItsCommit_whenANewerOneTookOver_isNeverAnswered200()
    {
        // The first ("stale") cluster's silo pauses 3.5 s after its second group commit, before
        // answering. In that time a second cluster sharing its ServiceId takes the partition's
        // epoch. The paused commit wrote only to the superseded shard: its caller must not get 200.
        var database = await postgres.CreateDatabaseAsync();
        await using var stale = new MallardCluster(database, silos: 1, clusterId: "stale-a", serviceId: "paused")
        {
            SiloEnvironment = new Dictionary<string, string> { ["MALLARD_PAUSEPOINT"] = "partition.after_commit@2:3500" },
        };
        await using var current = new MallardCluster(database, silos: 1, clusterId: "stale-b", serviceId: "paused");
        await stale.StartAsync();
        await current.StartAsync();

        // One partition only. Both silos activate it first, the stale one last (it holds the
        // newest epoch), so the takeover below needs no activation start-up inside the pause.
        var views = PageView.Generate(1600, seed: 7101).Where(v => ClusterLoad.OwnerOf(v, 8) == 3).ToList();
        using (var warm = await current.PostRecordsAsync(PageView.JsonArray(views.Take(10))))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using (var first = await stale.PostRecordsAsync(PageView.JsonArray(views.Skip(10).Take(10))))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var pending = stale.PostRecordsAsync(PageView.JsonArray(views.Skip(20).Take(10)));
        await Task.Delay(300);

        // The second cluster's activation is fenced by the stale one's epoch; its retries end in a
        // fresh activation that takes the newest epoch and commits.
        var takenOver = false;
        for (var attempt = 0; attempt < 20 && !takenOver; attempt++)
        {
            using var takeover = await current.PostRecordsAsync(PageView.JsonArray(views.Skip(30 + attempt * 5).Take(5)));
            takenOver = takeover.StatusCode == HttpStatusCode.OK;
            if (!takenOver)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(takenOver, "the second cluster never took the partition over");
        using var answer = await pending;
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, text);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal("partition_unavailable", problem.GetProperty("code").GetString());
        Assert.Contains("fenced", problem.GetProperty("detail").GetString());
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

    [Fact]
    public async Task PostgresDown_appendsAreRefusedAsLeaseUnavailable_queriesAreServed_andWritesResumeWhenItIsBack()
    {
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 2);
        await cluster.StartAsync();
        var first = PageView.Generate(500, seed: 9001);
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(first)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await postgres.StopAsync();
        try
        {
            var during = PageView.Generate(500, seed: 9002);
            var started = Stopwatch.StartNew();
            using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(during), "during-outage"))
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, text);
                Assert.Equal("lease_unavailable", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
                Assert.NotNull(response.Headers.RetryAfter);
            }

            output.WriteLine($"append refused {started.ElapsedMilliseconds} ms into the outage");
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), "an append waited on the unreachable database");

            // Reads need no lease: the shards answer as before.
            var (status, body) = await cluster.QueryAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("500", body.GetProperty("rows")[0].GetProperty("n").GetString());
        }
        finally
        {
            await postgres.StartAsync();
        }

        // The refused batch, retried with its key once the database is back, is applied once.
        var retried = PageView.Generate(500, seed: 9002);
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(retried), "during-outage"))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        var (_, after) = await cluster.QueryAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
        Assert.Equal("1000", after.GetProperty("rows")[0].GetProperty("n").GetString());
    }

    private static async Task<Dictionary<int, (int Owner, long Epoch, long Rows)>> PartitionsAsync(MallardCluster cluster)
    {
        var state = await cluster.GetJsonAsync("/v1/cluster");
        return state.GetProperty("partitions").EnumerateArray().ToDictionary(
            p => p.GetProperty("partition").GetInt32(),
            p => (p.GetProperty("owner").GetInt32(), p.GetProperty("epoch").GetInt64(), long.Parse(p.GetProperty("rows").GetString()!)));
    }
}

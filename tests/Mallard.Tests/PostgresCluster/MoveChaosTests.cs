using System.Net;
using System.Text;
using System.Text.Json;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>
/// A move killed at every step of the handoff, on its source and on its target, under continuous
/// ingest with Idempotency-Key retries: every partition ends with one owner holding every
/// acknowledged row, once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MoveChaosTests(PostgresServer postgres)
{
    private const int Partitions = 8;

    // Each fail point SIGKILLs the silo that reaches it (source or target of the move).
    public static readonly (string Point, bool OnSource)[] Steps =
    [
        ("move.source_pinned", true),
        ("move.target_copied", false),
        ("move.target_caught_up", false),
        ("move.source_sealed", true),
        ("move.before_switch", false),
        ("move.after_switch", false),
    ];

    [Fact]
    public async Task MoveKilledAtEveryStep_onSourceOrTarget_leavesOneOwnerWithEveryAcknowledgedRow()
    {
        await using var cluster = new MallardCluster(
            await postgres.CreateDatabaseAsync(), silos: 1, capacity: 2, siloSettings: ["--Mallard:Cluster:AutoRebalance=false"]);
        await cluster.StartAsync();
        await using var load = new ClusterLoad(cluster, spared: -1);
        await load.WaitUntilAsync(seen => seen.Count(o => o.Status == 200) >= 3);
        await cluster.StartSiloAsync(1);
        await cluster.WaitForSilosAsync(2);

        foreach (var (point, onSource) in Steps)
        {
            // Drain whichever ordinal holds more, so there is always something to move.
            var owned = Owned(await cluster.GetJsonAsync("/v1/cluster"));
            var source = owned.GetValueOrDefault(0) >= owned.GetValueOrDefault(1) ? 0 : 1;
            var target = 1 - source;
            var victim = onSource ? source : target;
            await PostAsync(cluster, "/v1/cluster/undrain", target);
            Assert.Equal(0, await cluster.TerminateSiloAsync(victim));
            await cluster.StartSiloAsync(victim, new Dictionary<string, string> { ["MALLARD_FAILPOINT"] = point + "@1" });
            await cluster.WaitForSilosAsync(2);

            await PostAsync(cluster, "/v1/cluster/drain", source);
            Assert.True(await cluster.WaitForSiloExitAsync(victim, TimeSpan.FromSeconds(60)), $"{point} was not reached\n{cluster.Logs()}");
            await cluster.StartSiloAsync(victim);
            await cluster.WaitForSilosAsync(2);
            await WaitUntilPlanEndsAsync(cluster);
            await PostAsync(cluster, "/v1/cluster/undrain", source);

            // Every partition answers, from exactly one owner.
            await load.WaitUntilAsync(seen => seen.Count(o => o.Status == 200) >= 3);
            var (status, _) = await QueryUntilCompleteAsync(cluster);
            Assert.Equal(HttpStatusCode.OK, status);
        }

        // Back to even, then row by row.
        using (var rebalance = await cluster.Http.PostAsync("/v1/cluster/rebalance", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, rebalance.StatusCode);
        }

        await WaitUntilPlanEndsAsync(cluster);
        var observations = await load.StopAsync();
        var acknowledged = await load.RetryRefusedAsync();
        var final = await cluster.GetJsonAsync("/v1/cluster");
        var owners = MallardCluster.Owners(final);
        Assert.Equal(0, await cluster.TerminateSiloAsync(0));
        Assert.Equal(0, await cluster.TerminateSiloAsync(1));

        cluster.AssertEveryAcknowledgedRowOnceOnItsOwner([.. acknowledged], owners);
        Assert.All(observations, o => Assert.True(o.Status is 200 or 503, o.Problem));
    }

    private static async Task<(HttpStatusCode, JsonElement)> QueryUntilCompleteAsync(MallardCluster cluster)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var (status, body) = await cluster.QueryAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
            if (status == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                return (status, body);
            }

            await Task.Delay(250);
        }
    }

    private static async Task WaitUntilPlanEndsAsync(MallardCluster cluster)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var moves = (await cluster.GetJsonAsync("/v1/cluster")).GetProperty("moves");
            if (moves.ValueKind == JsonValueKind.Object
                && !(moves.GetProperty("plan") is { ValueKind: JsonValueKind.Object } plan && plan.GetProperty("running").GetBoolean()))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"the plan did not end in 120 s\n{cluster.Logs()}");
    }

    private static async Task PostAsync(MallardCluster cluster, string path, int ordinal)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent($"{{\"ordinal\": {ordinal}}}", Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"{path} {ordinal}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static Dictionary<int, int> Owned(JsonElement status) => MallardCluster.Owners(status).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());

}

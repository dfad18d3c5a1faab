using System.Net;
using System.Text;
using System.Text.Json;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>Adding and removing silos while ingest runs: ownership follows membership, shards move online, nothing is lost or doubled.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ScaleOutTests(PostgresServer postgres)
{
    [Fact]
    public async Task SilosJoinAndOneIsDrained_underIngestWithRetries_everyAcknowledgedRecordIsStoredOnce_andPartitionsAreEven()
    {
        await using var cluster = new MallardCluster(
            await postgres.CreateDatabaseAsync(), silos: 2, capacity: 4, siloSettings: ["--Mallard:Cluster:RebalanceDelay=00:00:02"]);
        await cluster.StartAsync();
        await using var load = new ClusterLoad(cluster, spared: -1);
        await load.WaitUntilAsync(seen => seen.Count(o => o.Status == 200) >= 5);

        // A third silo joins: after the delay the cluster rebalances by itself.
        await cluster.StartSiloAsync(2);
        await cluster.WaitForOwnershipAsync(owned => MallardCluster.Even(owned, [0, 1, 2]));

        // A fourth joins.
        await cluster.StartSiloAsync(3);
        await cluster.WaitForOwnershipAsync(owned => MallardCluster.Even(owned, [0, 1, 2, 3]));

        // Ordinal 1 is drained, then stopped for good.
        using (var drain = await cluster.PostJsonAsync("/v1/cluster/drain", """{"ordinal": 1}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
        }

        await cluster.WaitForOwnershipAsync(owned => !owned.ContainsKey(1) && MallardCluster.Even(owned, [0, 2, 3]));
        await load.WaitUntilAsync(seen => seen.Count(o => o.Status == 200) >= 5);
        Assert.Equal(0, await cluster.TerminateSiloAsync(1));

        var observations = await load.StopAsync();
        var acknowledged = await load.RetryRefusedAsync();
        var status = await cluster.GetJsonAsync("/v1/cluster");
        Assert.Empty(status.GetProperty("moves").GetProperty("failed").EnumerateArray());

        for (var ordinal = 0; ordinal < 4; ordinal++)
        {
            if (ordinal != 1)
            {
                Assert.Equal(0, await cluster.TerminateSiloAsync(ordinal));
            }
        }

        // Row by row: every acknowledged record is stored exactly once, on the silo that owns its partition.
        cluster.AssertEveryAcknowledgedRowOnceOnItsOwner([.. acknowledged], MallardCluster.Owners(status));
        Assert.All(observations, o => Assert.True(o.Status is 200 or 503, o.Problem));
    }

    [Fact]
    public async Task RebalanceDryRun_onABalancedCluster_plansNothing_andDrainOfTheLastOrdinalIsRefused()
    {
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 2, siloSettings: ["--Mallard:Cluster:AutoRebalance=false"]);
        await cluster.StartAsync();
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(PageView.Generate(200, seed: 42))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var dryRun = await cluster.Http.PostAsync("/v1/cluster/rebalance?dryRun=true", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, dryRun.StatusCode);
            var plan = JsonDocument.Parse(await dryRun.Content.ReadAsStringAsync()).RootElement;
            Assert.True(plan.GetProperty("dryRun").GetBoolean());
            Assert.Empty(plan.GetProperty("moves").EnumerateArray());
        }

        using (var unknown = await cluster.PostJsonAsync("/v1/cluster/drain", """{"ordinal": 9}"""))
        {
            Assert.Equal(HttpStatusCode.Conflict, unknown.StatusCode);
            Assert.Contains("drain_refused", await unknown.Content.ReadAsStringAsync());
        }

        using (var first = await cluster.PostJsonAsync("/v1/cluster/drain", """{"ordinal": 0}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await cluster.WaitForOwnershipAsync(owned => owned.Keys.SequenceEqual([1]) && owned[1] == MallardCluster.Partitions);
        using (var last = await cluster.PostJsonAsync("/v1/cluster/drain", """{"ordinal": 1}"""))
        {
            Assert.Equal(HttpStatusCode.Conflict, last.StatusCode);
            Assert.Contains("last active", await last.Content.ReadAsStringAsync());
        }

        // Undrained, ordinal 0 takes half again on the next rebalance.
        using (var undrain = await cluster.PostJsonAsync("/v1/cluster/undrain", """{"ordinal": 0}"""))
        {
            Assert.Equal(HttpStatusCode.OK, undrain.StatusCode);
        }

        using (var rebalance = await cluster.Http.PostAsync("/v1/cluster/rebalance", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, rebalance.StatusCode);
        }

        await cluster.WaitForOwnershipAsync(owned => MallardCluster.Even(owned, [0, 1]));
        // Right after a switch a partition may still answer a retryable 503 under load; a client retries.
        var (status, body) = await cluster.QueryRetryingAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {body}");
        Assert.All(cluster.Refusals, r => Assert.Matches("partition_(moving|unavailable)", r));
        Assert.Equal("200", body.GetProperty("rows")[0].GetProperty("n").GetString());
    }
}

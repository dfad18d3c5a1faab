using System.Net;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>
/// A partition activated on a silo that does not own its shard (what a stale directory entry does
/// after a move) refuses that call, then moves itself to its owner: later calls are served, not
/// refused forever by a new activation in the same wrong place.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MisplacedActivationTests(PostgresServer postgres)
{
    [Fact]
    public async Task PartitionActivatedOnANonOwner_refusesOnce_thenIsServedByItsOwner()
    {
        // Every silo's first placement of partition 3 picks the wrong silo.
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 2, siloSettings: ["--Mallard:Cluster:AutoRebalance=false"])
        {
            SiloEnvironment = new Dictionary<string, string> { ["MALLARD_MISPLACE"] = "page_views/3@1" },
        };
        await cluster.StartAsync();

        var views = PageView.Generate(400, seed: 11);
        using (var response = await cluster.PostRecordsRetryingAsync(PageView.JsonArray(views), "misplaced-1"))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        // The refusal, if the misplaced activation was hit by this batch, named the wrong silo and was retryable.
        Assert.All(cluster.Refusals, r => Assert.Contains("is never opened elsewhere", r, StringComparison.Ordinal));

        var (status, body) = await cluster.QueryRetryingAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("400", body.GetProperty("rows")[0].GetProperty("n").GetString());

        // The misplacement did happen (the activation on the wrong silo logged its refusal).
        Assert.Contains("partition page_views/3 is held by silo", cluster.Logs(), StringComparison.Ordinal);
        var placement = (await cluster.GetJsonAsync("/v1/cluster")).GetProperty("partitions")[3];
        Assert.False(placement.TryGetProperty("unavailable", out var why), why.ToString());
        Assert.Equal(MallardCluster.Owners(await cluster.GetJsonAsync("/v1/cluster"))[3], placement.GetProperty("owner").GetInt32());
    }
}

using System.Net;
using System.Text.Json;
using Mallard.Tests.Http;
using Mallard.Tests.PostgresCluster;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>The console's cluster view against a PostgreSQL cluster of two silos after a rebalance moved partitions between them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task ClusterView_showsEachSilosPartitions_andTheMovesOfTheRebalance()
    {
        await using var cluster = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 1, capacity: 2, siloSettings: ["--Mallard:Cluster:AutoRebalance=false"]);
        await cluster.StartAsync();
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(PageView.Generate(400, seed: 7))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await cluster.StartSiloAsync(1);
        await cluster.WaitForSilosAsync(2);
        using (var rebalance = await cluster.Http.PostAsync("/v1/cluster/rebalance", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, rebalance.StatusCode);
        }

        await cluster.WaitForOwnershipAsync(owned => MallardCluster.Even(owned, [0, 1]));
        var api = await cluster.GetJsonAsync("/v1/cluster");

        var page = await BrowserDriver.RunAsync(cluster.Http.BaseAddress!, "cluster", new System.Text.Json.Nodes.JsonObject { ["screenshot"] = "console-cluster-two-silos" });

        var shown = page.GetProperty("partitions").EnumerateArray().ToDictionary(p => p.GetProperty("partition").GetString()!);
        Assert.Equal(MallardCluster.Partitions, shown.Count);
        foreach (var partition in api.GetProperty("partitions").EnumerateArray())
        {
            var id = $"page_views/{partition.GetProperty("partition").GetInt32()}";
            var cells = shown[id].GetProperty("cells").EnumerateArray().Select(c => c.GetString()).ToArray();
            Assert.Equal(partition.GetProperty("silo").GetString(), shown[id].GetProperty("silo").GetString());
            Assert.Equal(partition.GetProperty("rows").GetString(), cells[1]);
            Assert.Equal(partition.GetProperty("owner").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), cells[5]);
        }

        Assert.Equal(2, shown.Values.Select(p => p.GetProperty("silo").GetString()).Distinct().Count());
        var completed = api.GetProperty("moves").GetProperty("completed").GetArrayLength();
        Assert.True(completed > 0, "the rebalance moved nothing");
        Assert.Contains($"plan rebalance finished: 0 in progress, 0 planned, {completed} completed, 0 failed", page.GetProperty("moves").GetString(), StringComparison.Ordinal);
        Assert.Empty(BrowserDriver.PageErrors(page));
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>
/// Upgrade in place: today's silos started on the database and disks a two-silo cluster of the
/// Mallard before online handoff left behind (tests/fixtures/upgrade-v1, made by its
/// make-fixture.sh from that build): an ownership map spread over <c>Mallard:Cluster:Silos</c> in
/// grain storage, shards without a commit sequence.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UpgradeTests(PostgresServer postgres)
{
    private static readonly string Fixture = RepositoryPaths.File("tests", "fixtures", "upgrade-v1");

    [Fact]
    public async Task Silos_onAClusterFromBeforeHandoff_keepItsOwnersAndRows_replayItsBatches_andMoveItsShards()
    {
        var database = await postgres.CreateDatabaseAsync();
        await postgres.RunScriptAsync(database, Path.Combine(Fixture, "cluster.sql"));
        // The fixture's ledger entries keep the commit times of the day it was made: a retention
        // of years keeps them replayable however old the fixture grows (24 h broke it a day later).
        await using var cluster = new MallardCluster(
            database, silos: 2, clusterId: "upgrade-v1", serviceId: "mallard-upgrade", capacity: 3,
            siloSettings: ["--Mallard:Cluster:AutoRebalance=false", "--Mallard:Shards:LedgerRetention=3650.00:00:00"]);
        var oldOwners = RestoreShards(cluster);
        var batches = Directory.GetFiles(Path.Combine(Fixture, "batches"), "*.json").Order(StringComparer.Ordinal).ToList();
        var oldRecords = batches.SelectMany(EventIds).ToList();
        Assert.Equal(240, oldRecords.Count);
        Assert.True(oldOwners.All(o => o is 0 or 1), $"every partition had a shard on silo 0 or 1: {string.Join(",", oldOwners)}");

        await cluster.StartAsync();

        // The old map is the map: every partition is still owned where its shard is.
        Assert.Equal(oldOwners, MallardCluster.Owners(await cluster.GetJsonAsync("/v1/cluster")));
        Assert.Equal(240, await CountAsync(cluster));

        // The old cluster's batches, retried with their keys, are replayed from the old ledgers.
        await AssertReplayedAsync(cluster, batches);

        var added = PageView.Generate(40, seed: 2026);
        using (var response = await cluster.PostRecordsAsync(PageView.JsonArray(added), "after-upgrade"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A third silo joins and takes its share: old shards move like new ones.
        await cluster.StartSiloAsync(2);
        await cluster.WaitForSilosAsync(3);
        using (var rebalance = await cluster.Http.PostAsync("/v1/cluster/rebalance", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, rebalance.StatusCode);
        }

        await cluster.WaitForOwnershipAsync(owned => MallardCluster.Even(owned, [0, 1, 2]));
        var status = await cluster.GetJsonAsync("/v1/cluster");
        Assert.Empty(status.GetProperty("moves").GetProperty("failed").EnumerateArray());
        Assert.NotEmpty(status.GetProperty("moves").GetProperty("completed").EnumerateArray());
        await AssertReplayedAsync(cluster, batches);
        Assert.Equal(280, await CountAsync(cluster));
        // Right after a switch a partition may still answer a retryable 503 under load; only those.
        Assert.All(cluster.Refusals, r => Assert.Matches("partition_(moving|unavailable)", r));

        for (var ordinal = 0; ordinal < 3; ordinal++)
        {
            Assert.Equal(0, await cluster.TerminateSiloAsync(ordinal));
        }

        cluster.AssertEveryAcknowledgedRowOnceOnItsOwner([.. oldRecords, .. added.Select(v => v.EventId)], MallardCluster.Owners(status));
    }

    // Unpacks both silos' data directories; returns the ordinal holding each partition's shard.
    private static int[] RestoreShards(MallardCluster cluster)
    {
        var owners = Enumerable.Repeat(-1, MallardCluster.Partitions).ToArray();
        using var archive = new GZipStream(File.OpenRead(Path.Combine(Fixture, "shards.tar.gz")), CompressionMode.Decompress);
        var root = Path.GetDirectoryName(cluster.DataDirectory(0))!;
        Directory.CreateDirectory(root);
        TarFile.ExtractToDirectory(archive, root, overwriteFiles: false);
        for (var ordinal = 0; ordinal < 2; ordinal++)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(cluster.DataDirectory(ordinal), "shards", "page_views"), "*.duckdb"))
            {
                owners[int.Parse(Path.GetFileNameWithoutExtension(file), System.Globalization.CultureInfo.InvariantCulture)] = ordinal;
            }
        }

        return owners;
    }

    private static IEnumerable<Guid> EventIds(string batch) =>
        JsonDocument.Parse(File.ReadAllText(batch)).RootElement.EnumerateArray().Select(r => r.GetProperty("event_id").GetGuid()).ToList();

    private static async Task AssertReplayedAsync(MallardCluster cluster, IEnumerable<string> batches)
    {
        foreach (var batch in batches)
        {
            using var response = await cluster.PostRecordsRetryingAsync(await File.ReadAllTextAsync(batch), Path.GetFileNameWithoutExtension(batch));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true", $"{Path.GetFileName(batch)} was not replayed");
        }
    }

    private static async Task<long> CountAsync(MallardCluster cluster)
    {
        var (status, body) = await cluster.QueryRetryingAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {body}");
        return long.Parse(body.GetProperty("rows")[0].GetProperty("n").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }
}

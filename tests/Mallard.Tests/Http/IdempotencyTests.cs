using System.Globalization;
using System.Net;
using System.Text.Json;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

public sealed class IdempotencyTests : IAsyncLifetime
{
    private const string Records = "/v1/datasets/page_views/records";
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Fact]
    public async Task Ingest_same_key_and_body_twice_replays_the_receipt_and_writes_nothing()
    {
        var body = PageView.JsonArray(PageView.Generate(500, seed: 31));

        var (first, firstReplayed) = await PostAsync(body, "key-31", HttpStatusCode.OK);
        var countAfterFirst = await _hosts.CountPageViewsAsync();
        var (second, secondReplayed) = await PostAsync(body, "key-31", HttpStatusCode.OK);

        Assert.False(firstReplayed);
        Assert.True(secondReplayed);
        Assert.Equal(first.GetProperty("batchId").GetString(), second.GetProperty("batchId").GetString());
        Assert.Equal(500, second.GetProperty("accepted").GetInt32());
        Assert.Equal(first.GetProperty("partitions").GetRawText(), second.GetProperty("partitions").GetRawText());
        Assert.Equal(500, countAfterFirst);
        Assert.Equal(500, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_new_key_probes_only_the_partitions_its_batch_routes_to()
    {
        await PostAsync(PageView.JsonArray(PageView.Generate(1, seed: 61)), "key-61", HttpStatusCode.OK);

        // Nothing else has touched a partition in this fresh cluster: one record, one partition
        // activated (the key's probe of every partition activated all eight).
        var statistics = await _hosts.SiloGrains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        Assert.Equal(1, statistics.Where(s => s.GrainType.Contains("PartitionGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount));
    }

    [Fact]
    public async Task Ingest_same_key_with_a_different_body_is_422_and_writes_nothing()
    {
        await PostAsync(PageView.JsonArray(PageView.Generate(100, seed: 41)), "key-41", HttpStatusCode.OK);

        var (problem, _) = await PostAsync(PageView.JsonArray(PageView.Generate(100, seed: 42)), "key-41", HttpStatusCode.UnprocessableEntity);

        Assert.Equal("idempotency_key_reused", problem.GetProperty("code").GetString());
        Assert.Equal(100, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_while_the_same_key_is_in_flight_is_409()
    {
        var batchId = IdempotencyKeys.BatchIdFor("page_views", "key-51");
        var holder = _hosts.SiloGrains.GetGrain<IIdempotencyGrain>(IdempotencyKeys.GrainKeyFor("page_views", batchId));
        Assert.Equal(IdempotencyDecision.Proceed, await holder.BeginAsync(batchId, "request-in-flight"));
        var body = PageView.JsonArray(PageView.Generate(10, seed: 51));

        var (problem, _) = await PostAsync(body, "key-51", HttpStatusCode.Conflict);
        await holder.EndAsync("request-in-flight");

        Assert.Equal("idempotency_key_in_flight", problem.GetProperty("code").GetString());
        Assert.Equal(0, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_replay_after_a_silo_restart_finds_the_ledger_and_writes_nothing()
    {
        var body = PageView.NdJson(PageView.Generate(300, seed: 61));
        var (first, _) = await PostAsync(body, "key-61", HttpStatusCode.OK, "application/x-ndjson");

        await _hosts.RestartAsync();
        var (second, replayed) = await PostAsync(body, "key-61", HttpStatusCode.OK, "application/x-ndjson");

        Assert.True(replayed);
        Assert.Equal(first.GetProperty("accepted").GetInt32(), second.GetProperty("accepted").GetInt32());
        Assert.Equal(300, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_same_records_without_a_key_converges_and_reports_them_as_duplicates()
    {
        var views = PageView.Generate(200, seed: 71);
        await PostAsync(PageView.JsonArray(views), null, HttpStatusCode.OK);

        var again = views.Take(50).Concat(PageView.Generate(20, seed: 72)).Concat(views.Take(5)).ToList();
        var (receipt, replayed) = await PostAsync(PageView.JsonArray(again), null, HttpStatusCode.OK);

        Assert.False(replayed);
        Assert.Equal(20, receipt.GetProperty("accepted").GetInt32());
        Assert.Equal(55, receipt.GetProperty("duplicates").GetInt32());
        Assert.Equal(Enumerable.Range(0, 50).Concat(Enumerable.Range(70, 5)), receipt.GetProperty("duplicateIndexes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(220, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_ledger_binds_a_keyed_batch_to_its_body_hash_and_marks_a_keyless_one_unkeyed()
    {
        var keyed = PageView.JsonArray(PageView.Generate(1, seed: 75));
        var (keyedReceipt, _) = await PostAsync(keyed, "key-75", HttpStatusCode.OK);
        var (keylessReceipt, _) = await PostAsync(PageView.JsonArray(PageView.Generate(1, seed: 76)), null, HttpStatusCode.OK);
        await _hosts.StopAsync();

        var ledger = new Dictionary<string, string>();
        foreach (var shard in Directory.EnumerateFiles(Path.Combine(_hosts.DataDirectory, "shards", "page_views"), "*.duckdb"))
        {
            using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={shard}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT batch_id, request_hash FROM _mallard_batches";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ledger[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var bodyHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(keyed)));
        Assert.Equal(bodyHash, ledger[keyedReceipt.GetProperty("batchId").GetString()!]);
        Assert.Equal(IdempotencyKeys.UnkeyedRequestHash, ledger[keylessReceipt.GetProperty("batchId").GetString()!]);
    }

    [Fact]
    public async Task Ingest_key_repeated_inside_one_batch_keeps_the_first_record()
    {
        var views = PageView.Generate(3, seed: 81);
        var twin = views[0] with { Page = "/second-copy", UserId = "someone-else" };

        var (receipt, _) = await PostAsync(PageView.JsonArray([views[0], views[1], twin, views[2]]), null, HttpStatusCode.OK);

        Assert.Equal((3, 1), (receipt.GetProperty("accepted").GetInt32(), receipt.GetProperty("duplicates").GetInt32()));
        Assert.Equal([2], receipt.GetProperty("duplicateIndexes").EnumerateArray().Select(e => e.GetInt32()));
        using var query = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", $$"""{"select":["page"],"filter":[{"column":"event_id","op":"eq","value":"{{views[0].EventId}}"}]}""");
        var row = Assert.Single((await HttpJson.ReadJsonAsync(query, HttpStatusCode.OK)).GetProperty("rows").EnumerateArray());
        Assert.Equal(views[0].Page, row.GetProperty("page").GetString());
    }

    [Fact]
    public async Task Ingest_retry_after_a_partial_failure_applies_only_the_missing_partitions()
    {
        await _hosts.StopAsync();
        var shard = Path.Combine(_hosts.DataDirectory, "shards", "page_views", "3.duckdb");
        await _hosts.StartAsync();
        using (await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates":[{"fn":"count"}]}"""))
        {
            // Every partition is now activated, so its shard file exists.
        }

        await _hosts.StopAsync();
        AlterShard(shard, "ALTER TABLE page_views ADD COLUMN sneaky INTEGER");
        await _hosts.StartAsync();
        var views = PageView.Generate(400, seed: 91);
        var body = PageView.JsonArray(views);

        var (failure, _) = await PostAsync(body, "key-91", HttpStatusCode.ServiceUnavailable);
        Assert.Equal([3], failure.GetProperty("failedPartitions").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(failure.TryGetProperty("committedPartitions", out _), failure.GetRawText());
        var committedEarly = failure.GetProperty("committedPartitions").EnumerateArray().Sum(p => p.GetProperty("accepted").GetInt32());
        Assert.InRange(committedEarly, 1, 399);

        await _hosts.StopAsync();
        AlterShard(shard, "ALTER TABLE page_views DROP COLUMN sneaky");
        await _hosts.StartAsync();
        var (receipt, replayed) = await PostAsync(body, "key-91", HttpStatusCode.OK);

        Assert.False(replayed);
        Assert.Equal(400, receipt.GetProperty("accepted").GetInt32());
        Assert.Equal(0, receipt.GetProperty("duplicates").GetInt32());
        Assert.Equal(400, await _hosts.CountPageViewsAsync());
    }

    private static void AlterShard(string path, string sql)
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task<(JsonElement Body, bool Replayed)> PostAsync(string body, string? key, HttpStatusCode expected, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Records) { Content = new StringContent(body, System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await _hosts.Http.SendAsync(request);
        var json = await HttpJson.ReadJsonAsync(response, expected);
        return (json, response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true");
    }
}

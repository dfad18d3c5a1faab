using System.Net;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Observability;

[Collection(IsolatedCollection.Name)]
public sealed class MetricsTests(MallardHosts hosts) : IClassFixture<MallardHosts>
{
    private static readonly (string, string) PageViews = ("dataset", "page_views");

    [Fact]
    public async Task Metrics_are_prometheus_text_and_counters_move_by_exactly_what_happened()
    {
        var gatewayBefore = await ScrapeAsync(hosts.Http);
        var views = PageView.Generate(100, seed: 808);

        var subBatches = await IngestAsync(PageView.JsonArray(views), HttpStatusCode.OK)
            + await IngestAsync(PageView.JsonArray(views.Take(30).Concat(PageView.Generate(10, seed: 809))), HttpStatusCode.OK);
        var invalid = PageView.Generate(5, seed: 810).Select(v => v.ToJson()).ToList();
        invalid[2] = invalid[2].Replace("\"bot\":", "\"bot\":\"no\",\"x\":", StringComparison.Ordinal);
        await IngestAsync("[" + string.Join(",", invalid) + "]", HttpStatusCode.UnprocessableEntity);

        var gateway = await ScrapeAsync(hosts.Http);
        using var siloHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hosts.SiloHttpPort}") };
        var silo = await ScrapeAsync(siloHttp);

        Assert.Equal(110, Delta("mallard_records_accepted_total", PageViews));
        Assert.Equal(30, Delta("mallard_records_duplicate_total", PageViews));
        Assert.Equal(5, Delta("mallard_records_rejected_total", PageViews));
        Assert.Equal(2, Delta("mallard_batches_total", PageViews, ("outcome", "accepted")));
        Assert.Equal(1, Delta("mallard_batches_total", PageViews, ("outcome", "invalid_records")));
        Assert.Equal("counter", gateway.Types["mallard_records_accepted_total"]);
        Assert.Equal("histogram", gateway.Types["mallard_batch_commit_duration_seconds"]);
        Assert.True(gateway.Sum("http_server_request_duration_seconds_count", ("http_route", "/v1/datasets/{dataset}/records")) >= 3);

        Assert.Equal(110, silo.Sum("mallard_shard_rows", PageViews));
        Assert.Equal(subBatches, silo.Sum("mallard_shard_ledger_batches", PageViews));
        Assert.True(silo.Sum("mallard_shard_size_bytes", PageViews) > 0);
        Assert.Equal(0, silo.Sum("mallard_partition_queue_depth", PageViews));
        Assert.True(silo.Sum("mallard_shards_open") >= 1);
        Assert.True(silo.Sum("mallard_duckdb_memory_bytes") > 0);
        Assert.True(silo.Sum("mallard_shard_key_hashes_memory_bytes") > 0);
        Assert.True(silo.Sum("mallard_duckdb_memory_limit_bytes") >= silo.Sum("mallard_shards_open") * 1024 * 1024);
        Assert.Equal("gauge", silo.Types["mallard_shard_key_index_disk_bytes"]);
        Assert.Equal("counter", silo.Types["mallard_shard_key_index_page_reads_total"]);
        Assert.True(silo.Sum("mallard_dataset_watermark_lag_seconds", PageViews) > 0);
        Assert.True(silo.Sum("mallard_shard_commit_duration_seconds_count", PageViews) >= 1);

        double Delta(string name, params (string, string)[] labels) => gateway.Sum(name, labels) - gatewayBefore.Sum(name, labels);
    }

    // Returns how many partitions took a share of the batch (each keeps one ledger entry for it).
    private async Task<int> IngestAsync(string body, HttpStatusCode expected)
    {
        using var response = await hosts.PostJsonAsync("/v1/datasets/page_views/records", body);
        var json = await HttpJson.ReadJsonAsync(response, expected);
        return json.TryGetProperty("partitions", out var partitions) ? partitions.GetArrayLength() : 0;
    }

    private static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}

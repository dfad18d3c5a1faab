using System.Globalization;
using System.Net;
using System.Text.Json;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

/// <summary>
/// The foundation's acceptance check: 100,000 rows through the real gateway and silo, then counts,
/// sums and group-bys compared with the same numbers computed here from the generated records.
/// </summary>
public sealed class IngestAndQueryAtScaleTests(MallardHosts hosts) : IClassFixture<MallardHosts>
{
    private const int Records = 100_000;
    private const int BatchSize = 10_000;

    [Fact]
    public async Task Ingest_100000_rows_then_count_sums_and_group_by_match_independent_computation()
    {
        var views = PageView.Generate(Records, seed: 20261126);
        for (var start = 0; start < Records; start += BatchSize)
        {
            var slice = views.GetRange(start, BatchSize);
            var ndjson = start / BatchSize % 2 == 1;
            using var response = ndjson
                ? await hosts.PostAsync("/v1/datasets/page_views/records", PageView.NdJson(slice), "application/x-ndjson")
                : await hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(slice));
            var receipt = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
            Assert.Equal(BatchSize, receipt.GetProperty("accepted").GetInt32());
            Assert.Equal(BatchSize, receipt.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("accepted").GetInt32()));
            Assert.Equal(1, receipt.GetProperty("contractVersion").GetInt32());
        }

        var totals = await QueryAsync("""
            {"aggregates":[
              {"fn":"count","as":"n"},
              {"fn":"sum","column":"bytes","as":"bytes"},
              {"fn":"sum","column":"revenue","as":"revenue"},
              {"fn":"sum","column":"duration_ms","as":"duration"},
              {"fn":"count","column":"country","as":"with_country"},
              {"fn":"min","column":"ts","as":"first"},
              {"fn":"max","column":"ts","as":"last"},
              {"fn":"avg","column":"score","as":"avg_score"}]}
            """);
        var row = Assert.Single(totals.GetProperty("rows").EnumerateArray());
        Assert.Equal(Records.ToString(CultureInfo.InvariantCulture), row.GetProperty("n").GetString());
        Assert.Equal(views.Sum(v => v.Bytes).ToString(CultureInfo.InvariantCulture), row.GetProperty("bytes").GetString());
        Assert.Equal(views.Sum(v => v.Revenue ?? 0).ToString("F2", CultureInfo.InvariantCulture), row.GetProperty("revenue").GetString());
        Assert.Equal(views.Sum(v => (long)v.DurationMs).ToString(CultureInfo.InvariantCulture), row.GetProperty("duration").GetString());
        Assert.Equal(views.Count(v => v.Country is not null).ToString(CultureInfo.InvariantCulture), row.GetProperty("with_country").GetString());
        Assert.Equal(Timestamp(views.Min(v => v.Ts)), row.GetProperty("first").GetString());
        Assert.Equal(Timestamp(views.Max(v => v.Ts)), row.GetProperty("last").GetString());
        Assert.Equal(views.Where(v => v.Score is not null).Average(v => v.Score!.Value), row.GetProperty("avg_score").GetDouble(), 9);
        Assert.Equal(8, totals.GetProperty("stats").GetProperty("partitions").GetInt32());

        var byCountry = await QueryAsync("""
            {"groupBy":["country"],
             "aggregates":[{"fn":"count","as":"views"},{"fn":"sum","column":"revenue","as":"revenue"}],
             "orderBy":[{"column":"views","desc":true}]}
            """);
        var expectedByCountry = views.GroupBy(v => v.Country)
            .Select(g => (Country: g.Key, Views: g.LongCount(), Revenue: g.Sum(v => v.Revenue ?? 0)))
            .OrderByDescending(g => g.Views)
            .ToList();
        var actualByCountry = byCountry.GetProperty("rows").EnumerateArray()
            .Select(r => (Country: r.GetProperty("country").GetString(), Views: long.Parse(r.GetProperty("views").GetString()!, CultureInfo.InvariantCulture), Revenue: decimal.Parse(r.GetProperty("revenue").GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(expectedByCountry.OrderBy(g => g.Country), actualByCountry.OrderBy(g => g.Country));
        Assert.Equal(actualByCountry.Select(g => g.Views).OrderDescending(), actualByCountry.Select(g => g.Views));

        var topPages = await QueryAsync("""
            {"filter":[{"column":"bot","op":"eq","value":false},{"column":"country","op":"in","value":["DE","FR"]}],
             "groupBy":["page"],
             "aggregates":[{"fn":"sum","column":"duration_ms","as":"total_ms"},{"fn":"max","column":"bytes","as":"max_bytes"}],
             "orderBy":[{"column":"total_ms","desc":true}],"limit":3}
            """);
        var expectedTopPages = views.Where(v => !v.Bot && v.Country is "DE" or "FR")
            .GroupBy(v => v.Page)
            .Select(g => (Page: g.Key, Total: g.Sum(v => (long)v.DurationMs).ToString(CultureInfo.InvariantCulture), Max: g.Max(v => v.Bytes).ToString(CultureInfo.InvariantCulture)))
            .OrderByDescending(g => long.Parse(g.Total, CultureInfo.InvariantCulture))
            .Take(3);
        Assert.Equal(
            expectedTopPages,
            topPages.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("page").GetString()!, r.GetProperty("total_ms").GetString()!, r.GetProperty("max_bytes").GetString()!)));

        var biggest = await QueryAsync("""{"select":["event_id","bytes"],"orderBy":[{"column":"bytes","desc":true}],"limit":5}""");
        Assert.Equal(
            views.OrderByDescending(v => v.Bytes).Take(5).Select(v => v.EventId.ToString("D")),
            biggest.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("event_id").GetString()));

        var cutoff = views[4242].Ts;
        var recent = await QueryAsync($$"""{"filter":[{"column":"ts","op":"gte","value":"{{Timestamp(cutoff)}}"}],"aggregates":[{"fn":"count","as":"n"}]}""");
        Assert.Equal(
            views.Count(v => v.Ts >= cutoff).ToString(CultureInfo.InvariantCulture),
            recent.GetProperty("rows")[0].GetProperty("n").GetString());

        using var stats = await hosts.Http.GetAsync("/v1/datasets/page_views");
        var dataset = await HttpJson.ReadJsonAsync(stats, HttpStatusCode.OK);
        Assert.Equal(Records.ToString(CultureInfo.InvariantCulture), dataset.GetProperty("rows").GetString());
        Assert.Equal(8, dataset.GetProperty("partitions").GetArrayLength());
        Assert.All(dataset.GetProperty("partitions").EnumerateArray(), p => Assert.InRange(long.Parse(p.GetProperty("rows").GetString()!, CultureInfo.InvariantCulture), 10_000, 15_000));
    }

    private async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await hosts.PostJsonAsync("/v1/datasets/page_views/query", query);
        return await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    private static string Timestamp(DateTime value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

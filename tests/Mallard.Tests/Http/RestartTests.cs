using System.Globalization;
using System.Net;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

public sealed class RestartTests(MallardHosts hosts) : IClassFixture<MallardHosts>
{
    [Fact]
    public async Task Restart_of_silo_and_gateway_keeps_every_row()
    {
        var views = PageView.Generate(5_000, seed: 99);
        using (var first = await hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(views.Take(2_500))))
        using (var second = await hosts.PostAsync("/v1/datasets/page_views/records", PageView.NdJson(views.Skip(2_500)), "application/x-ndjson"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var before = await SumAsync();

        await hosts.RestartAsync();

        Assert.Equal(before, await SumAsync());
        Assert.Equal(("5000", views.Sum(v => v.Bytes).ToString(CultureInfo.InvariantCulture)), before);
    }

    private async Task<(string Count, string Bytes)> SumAsync()
    {
        using var response = await hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates":[{"fn":"count","as":"n"},{"fn":"sum","column":"bytes","as":"b"}]}""");
        var row = (await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK)).GetProperty("rows")[0];
        return (row.GetProperty("n").GetString()!, row.GetProperty("b").GetString()!);
    }
}

using System.Globalization;
using System.Net;
using Mallard.Partitions;
using Mallard.Tests.Http;
using Mallard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Mallard.Tests.Wire;

public sealed class ColumnWireSettingTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("Fields")]
    public async Task Hosts_withColumnWireSetting_writeThatForm_andIngestAndFilteredQueriesWork(string? setting)
    {
        var hosts = new MallardHosts();
        if (setting is not null)
        {
            hosts.SiloArguments.Add($"--Mallard:Cluster:ColumnWire={setting}");
            hosts.ApiArguments.Add($"--Mallard:Cluster:ColumnWire={setting}");
        }

        await hosts.InitializeAsync();
        try
        {
            // What each host's own serializer writes for a batch: the earlier form byte for byte, or not.
            foreach (var services in new[] { hosts.SiloServices, hosts.ApiServices })
            {
                var bytes = services.GetRequiredService<Serializer>().SerializeToArray(WireSamples.Batch());
                Assert.Equal(setting is not null, bytes.AsSpan().SequenceEqual(WireSamples.FieldsFixture()));
            }

            // Batches go gateway → silo, an in-list filter too, partial results back.
            var views = PageView.Generate(300, seed: 29);
            using (var ingest = await hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(views)))
            {
                var receipt = await HttpJson.ReadJsonAsync(ingest, HttpStatusCode.OK);
                Assert.Equal(300, receipt.GetProperty("accepted").GetInt32());
            }

            var users = views.Select(v => v.UserId).Distinct().Take(3).ToArray();
            using var query = await hosts.PostJsonAsync("/v1/datasets/page_views/query", $$"""{"filter":[{"column":"user_id","op":"in","value":["{{users[0]}}","{{users[1]}}","{{users[2]}}"]}],"aggregates":[{"fn":"count","as":"n"}]}""");
            var answer = await HttpJson.ReadJsonAsync(query, HttpStatusCode.OK);
            Assert.Equal(views.Count(v => users.Contains(v.UserId)), long.Parse(answer.GetProperty("rows")[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture));
        }
        finally
        {
            await hosts.DisposeAsync();
        }
    }
}

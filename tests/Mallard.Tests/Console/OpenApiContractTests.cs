using System.Net;
using System.Text.Json;
using Mallard.Api.OpenApi;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>
/// The document follows the contract the gateway runs: another contract, another set of dataset
/// schemas, each named after its dataset, with the column types' JSON encodings.
/// </summary>
public sealed class OpenApiContractTests : IAsyncLifetime
{
    private const string Contract = """
        version: 3
        datasets:
          orders:
            description: Shop orders.
            key: [order_id]
            partition_by: [customer]
            partitions: 2
            time: placed_at
            columns:
              order_id:  { type: int64 }
              customer:  { type: string }
              placed_at: { type: timestamp }
              total:     { type: "decimal(10,2)" }
              note:      { type: string, nullable: true }
          sensors:
            key: [sensor, at]
            partition_by: [sensor]
            partitions: 1
            columns:
              sensor: { type: uuid }
              at:     { type: date }
              value:  { type: float64, nullable: true }
              ok:     { type: bool }
              n:      { type: int32 }
        """;

    private readonly TempDirectory _folder = new("mallard-openapi-contract");
    private readonly MallardHosts _hosts = new();
    private JsonElement _document;

    public async Task InitializeAsync()
    {
        _hosts.SchemaPath = Path.Combine(_folder.Path, "schema.yaml");
        await File.WriteAllTextAsync(_hosts.SchemaPath, Contract);
        await _hosts.StartAsync();
        using var response = await _hosts.Http.GetAsync(OpenApiSetup.DocumentRoute);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public void EveryDataset_hasARecordAndARowSchema_namedAfterIt_andNoOtherDatasets()
    {
        var schemas = _document.GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "orders", "orders_row", "sensors", "sensors_row" })
        {
            Assert.True(schemas.TryGetProperty(name, out _), $"no schema {name}");
        }

        Assert.False(schemas.TryGetProperty("page_views", out _), "a dataset of another contract is in the document");
        var datasets = _document.GetProperty("paths").GetProperty("/v1/datasets/{dataset}/records").GetProperty("post").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "dataset").GetProperty("schema").GetProperty("enum");
        Assert.Equal(["orders", "sensors"], datasets.EnumerateArray().Select(d => d.GetString()!).Order());
        var items = _document.GetProperty("paths").GetProperty("/v1/datasets/{dataset}/records").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("items");
        Assert.Equal(["#/components/schemas/orders", "#/components/schemas/sensors"], items.GetProperty("oneOf").EnumerateArray().Select(r => r.GetProperty("$ref").GetString()!).Order());
    }

    [Fact]
    public void ColumnSchemas_carryEachTypesJsonEncoding_andNullability()
    {
        var record = _document.GetProperty("components").GetProperty("schemas").GetProperty("orders");
        var properties = record.GetProperty("properties");
        Assert.Equal("string", properties.GetProperty("order_id").GetProperty("type").GetString());
        Assert.Equal("^-?[0-9]{1,19}$", properties.GetProperty("order_id").GetProperty("pattern").GetString());
        Assert.Equal("^-?[0-9]{1,8}(\\.[0-9]{1,2})?$", properties.GetProperty("total").GetProperty("pattern").GetString());
        Assert.Equal("date-time", properties.GetProperty("placed_at").GetProperty("format").GetString());
        Assert.Equal(["null", "string"], properties.GetProperty("note").GetProperty("type").EnumerateArray().Select(t => t.GetString()!).Order());
        Assert.DoesNotContain("note", record.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.False(record.GetProperty("additionalProperties").GetBoolean());

        var row = _document.GetProperty("components").GetProperty("schemas").GetProperty("orders_row").GetProperty("properties");
        Assert.Equal("^-?[0-9]{1,8}\\.[0-9]{2}$", row.GetProperty("total").GetProperty("pattern").GetString());
        Assert.Contains(".[0-9]{6}Z$", row.GetProperty("placed_at").GetProperty("pattern").GetString(), StringComparison.Ordinal);

        var sensors = _document.GetProperty("components").GetProperty("schemas").GetProperty("sensors").GetProperty("properties");
        Assert.Equal("uuid", sensors.GetProperty("sensor").GetProperty("format").GetString());
        Assert.Equal("date", sensors.GetProperty("at").GetProperty("format").GetString());
        Assert.Equal("boolean", sensors.GetProperty("ok").GetProperty("type").GetString());
        Assert.Equal("int32", sensors.GetProperty("n").GetProperty("format").GetString());
    }
}

using System.Globalization;
using System.Net;
using DuckDB.NET.Data;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

/// <summary>Contract changes on a running deployment, through the real gateway and silo.</summary>
public sealed class ContractUpgradeTests : IAsyncLifetime
{
    private readonly TempDirectory _schemas = new("mallard-schemas");
    private readonly MallardHosts _hosts = new();
    private string _v1 = "";
    private string _v2 = "";

    public async Task InitializeAsync()
    {
        var original = await File.ReadAllTextAsync(RepositoryPaths.File("schema.yaml"));
        _v1 = _schemas.Write("v1.yaml", original);
        _v2 = _schemas.Write("v2.yaml", original
            .Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("      day:         { type: date }", "      day:         { type: date }\n      referrer:    { type: string, nullable: true }", StringComparison.Ordinal));
        _hosts.SchemaPath = _v1;
        await _hosts.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
        _schemas.Dispose();
    }

    [Fact]
    public async Task Upgrade_adding_a_column_applies_on_restart_and_old_rows_read_null()
    {
        var old = PageView.Generate(400, seed: 5);
        using (var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(old)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        _hosts.SchemaPath = _v2;
        await _hosts.RestartAsync();
        var fresh = PageView.Generate(1, seed: 6)[0].ToJson().Replace("}", ",\"referrer\":\"https://example.org/\"}", StringComparison.Ordinal);
        using (var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", $"[{fresh}]"))
        {
            await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        }

        using var query = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"groupBy":["referrer"],"aggregates":[{"fn":"count","as":"n"},{"fn":"sum","column":"bytes","as":"b"}],"orderBy":[{"column":"n"}]}""");
        var rows = (await HttpJson.ReadJsonAsync(query, HttpStatusCode.OK)).GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("referrer").GetString(), r.GetProperty("n").GetString(), r.GetProperty("b").GetString()))
            .ToList();
        Assert.Equal(("https://example.org/", "1"), (rows[0].Item1, rows[0].Item2));
        Assert.Equal((null, "400", old.Sum(v => v.Bytes).ToString(CultureInfo.InvariantCulture)), rows[1]);
    }

    [Fact]
    public async Task Gateway_on_an_older_contract_than_the_silo_gets_409_naming_both_versions()
    {
        _hosts.SchemaPath = _v2;
        _hosts.ApiSchemaPath = _v1;
        await _hosts.RestartAsync();

        using var ingest = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(PageView.Generate(20, seed: 8)));
        using var query = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates":[{"fn":"count"}]}""");

        foreach (var response in new[] { ingest, query })
        {
            var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.Conflict);
            Assert.Equal("contract_mismatch", problem.GetProperty("code").GetString());
            Assert.Contains("contract v1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("holds v2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Keyed_ingest_into_a_dataset_the_silo_does_not_know_yet_answers_its_refusal_not_a_retry()
    {
        // The gateway already runs a contract with a new dataset; the silo does not. The key's
        // idempotency grain refuses with unknown_dataset: a 503 "retry with the same key" would
        // promise a retry that can never succeed.
        var newer = _schemas.Write("newer.yaml", (await File.ReadAllTextAsync(_v1))
            .Replace("version: 1", "version: 2", StringComparison.Ordinal)
            + "  clicks:\n    key: [id]\n    partition_by: [id]\n    partitions: 2\n    columns:\n      id: { type: string }\n");
        _hosts.ApiSchemaPath = newer;
        await _hosts.RestartAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/clicks/records") { Content = new StringContent("""[{"id":"a"}]""") };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", "clicks-1");
        using var response = await _hosts.Http.SendAsync(request);

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("unknown_dataset", problem.GetProperty("code").GetString());
        Assert.Contains("contract version 1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Drifted_shard_answers_503_naming_the_drift_while_other_partitions_keep_working()
    {
        var views = PageView.Generate(200, seed: 12);
        using (var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(views)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _hosts.StopAsync();
        using (var connection = new DuckDBConnection($"Data Source={Path.Combine(_hosts.DataDirectory, "shards", "page_views", "3.duckdb")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE page_views ADD COLUMN sneaky INTEGER";
            command.ExecuteNonQuery();
        }

        await _hosts.StartAsync();
        using var query = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates":[{"fn":"count"}]}""");
        var problem = await HttpJson.ReadJsonAsync(query, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("shard_drift", problem.GetProperty("code").GetString());
        Assert.Contains("partition 3", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("column 'sneaky' (INTEGER) is not in the contract", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal([3], problem.GetProperty("failedPartitions").EnumerateArray().Select(e => e.GetInt32()));
        Assert.NotNull(query.Headers.RetryAfter);

        var healthy = PageView.Generate(2_000, seed: 13).Where(v => Routes(v) != 3).Take(50).ToList();
        using var ingest = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(healthy));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
    }

    [Fact]
    public async Task Silo_given_a_breaking_contract_without_migration_refuses_to_start_and_touches_nothing()
    {
        using (var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/records", PageView.JsonArray(PageView.Generate(50, seed: 21))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _hosts.StopAsync();
        var shards = Directory.GetFiles(Path.Combine(_hosts.DataDirectory, "shards"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => File.GetLastWriteTimeUtc(f));
        var broken = _schemas.Write("broken.yaml", (await File.ReadAllTextAsync(_v1))
            .Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("page:", "path:", StringComparison.Ordinal));

        using var process = MallardProcess.Start("Mallard.Silo.dll", [$"--Mallard:Schema={broken}", $"--Mallard:Shards:DataDirectory={_hosts.DataDirectory}", $"--Mallard:Silo:HttpPort={FreePort.Next()}", $"--Mallard:Cluster:SiloPort={FreePort.Next()}", $"--Mallard:Cluster:GatewayPort={FreePort.Next()}"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(3, process.ExitCode);
        Assert.Contains("column 'page' was removed or renamed without a migration", process.Log, StringComparison.Ordinal);
        Assert.All(shards, s => Assert.Equal(s.Value, File.GetLastWriteTimeUtc(s.Key)));
        await _hosts.StartAsync();
    }

    private static int Routes(PageView view)
    {
        var dataset = Mallard.Contract.ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml")).Datasets["page_views"];
        var column = new Mallard.Partitions.ColumnVectorBuilder(Mallard.Contract.ColumnKind.String);
        column.AppendString(view.UserId);
        var columns = dataset.Columns.Select((c, i) => c.Name == "user_id" ? column.Build() : new Mallard.Partitions.ColumnVector { Kind = c.Type.Kind, Count = 1 }).ToArray();
        return Mallard.Contract.PartitionHasher.PartitionOf(dataset, columns, 0);
    }
}

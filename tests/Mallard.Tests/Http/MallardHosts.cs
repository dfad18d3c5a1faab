using System.Net.Http.Headers;
using System.Text;
using Mallard.Api;
using Mallard.Silo;
using Mallard.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mallard.Tests.Http;

/// <summary>
/// A real silo host and a real gateway host, in this process, talking over loopback TCP exactly as
/// <c>run.sh</c> wires them, with shards in a temp folder. <see cref="RestartAsync"/> stops both and
/// starts new ones on the same data.
/// </summary>
public sealed class MallardHosts : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mallard-http");
    private WebApplication? _silo;
    private WebApplication? _api;

    public HttpClient Http { get; private set; } = null!;

    public string SchemaPath { get; set; } = RepositoryPaths.File("schema.yaml");

    /// <summary>The silo's own HTTP port (/healthz, /metrics).</summary>
    public int SiloHttpPort { get; private set; }

    /// <summary>Extra configuration for the silo, as command-line arguments.</summary>
    public List<string> SiloArguments { get; } = [];

    /// <summary>Extra configuration for the gateway, as command-line arguments (for example its keys file).</summary>
    public List<string> ApiArguments { get; } = [];

    /// <summary>The gateway's contract when it should differ from the silo's (a rolling upgrade).</summary>
    public string? ApiSchemaPath { get; set; }

    public string DataDirectory => _data.Path;

    /// <summary>Grains as seen from inside the silo, for tests that arrange cluster state directly.</summary>
    public IGrainFactory SiloGrains => SiloServices.GetRequiredService<IGrainFactory>();

    /// <summary>The gateway host's services (for example its admission budgets).</summary>
    public IServiceProvider ApiServices => _api!.Services;

    /// <summary>The gateway's loopback port, for tests that speak raw HTTP.</summary>
    public int ApiPort { get; private set; }

    /// <summary>The silo host's services (for example its <c>CommitGate</c>).</summary>
    public IServiceProvider SiloServices => _silo!.Services;

    public async Task InitializeAsync() => await StartAsync();

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        _data.Dispose();
    }

    /// <summary>Rows in page_views, by a count query (which must answer 200).</summary>
    public async Task<long> CountPageViewsAsync()
    {
        using var response = await PostJsonAsync("/v1/datasets/page_views/query", """{"aggregates": [{"fn": "count", "as": "n"}]}""");
        var body = await Mallard.Tests.Support.HttpJson.ReadJsonAsync(response, System.Net.HttpStatusCode.OK);
        return long.Parse(body.GetProperty("rows")[0].GetProperty("n").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        PostAsync(path, json, "application/json");

    public async Task<HttpResponseMessage> PostAsync(string path, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await Http.PostAsync(path, content);
    }

    public async Task StartAsync()
    {
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        string[] common =
        [
            $"--Mallard:Schema={SchemaPath}",
            $"--Mallard:Cluster:SiloPort={siloPort}",
            $"--Mallard:Cluster:GatewayPort={gatewayPort}",
            $"--Mallard:Cluster:ClusterId=test-{Guid.NewGuid():N}",
        ];

        SiloHttpPort = FreePort.Next();
        var siloBuilder = WebApplication.CreateBuilder([.. common, $"--Mallard:Shards:DataDirectory={_data.Path}", $"--Mallard:Silo:HttpPort={SiloHttpPort}", .. SiloArguments]);
        siloBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        var contract = Mallard.Contract.ContractLoader.LoadFile(SchemaPath);
        siloBuilder.AdmitMallardContract(contract);
        siloBuilder.AddMallardSilo(contract);
        _silo = siloBuilder.Build();
        _silo.MapSiloEndpoints();
        await _silo.StartAsync();

        var apiPort = ApiPort = FreePort.Next();
        var apiBuilder = WebApplication.CreateBuilder([.. common, $"--Mallard:Schema={ApiSchemaPath ?? SchemaPath}", .. ApiArguments]);
        apiBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        apiBuilder.WebHost.UseUrls($"http://127.0.0.1:{apiPort}");
        apiBuilder.AddMallardGateway(Mallard.Contract.ContractLoader.LoadFile(ApiSchemaPath ?? SchemaPath));
        _api = apiBuilder.Build();
        _api.MapMallardApi();
        await _api.StartAsync();

        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task StopAsync()
    {
        Http?.Dispose();
        if (_api is not null)
        {
            await _api.StopAsync();
            await _api.DisposeAsync();
            _api = null;
        }

        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
            _silo = null;
        }
    }
}

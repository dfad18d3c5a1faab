using System.Net;
using Mallard.Contract;
using Mallard.Hosting;
using Mallard.Grains;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Mallard.Silo;

/// <summary>How a Mallard silo host is put together; shared by Program and the tests.</summary>
public static class SiloHostExtensions
{
    /// <summary>Reads <c>Mallard:Schema</c> (default <c>./schema.yaml</c>) and validates it.</summary>
    public static ContractDefinition LoadMallardContract(this IHostApplicationBuilder builder) =>
        ContractLoader.LoadFile(builder.Configuration["Mallard:Schema"] ?? "schema.yaml");

    /// <summary>Refuses a contract whose changes since the data's applied contract are breaking without a migration.</summary>
    /// <exception cref="ContractEvolutionException">The contract is refused.</exception>
    public static IReadOnlyList<ContractChange> AdmitMallardContract(this IHostApplicationBuilder builder, ContractDefinition contract) =>
        AppliedContract.Admit(contract, builder.Configuration["Mallard:Shards:DataDirectory"] ?? "./data");

    /// <summary>
    /// Configures the embedded (localhost) cluster: one silo, partition grains over DuckDB shards, the
    /// dashboard's silo side, and Prometheus metrics.
    /// </summary>
    public static WebApplicationBuilder AddMallardSilo(this WebApplicationBuilder builder, ContractDefinition contract)
    {
        var configuration = builder.Configuration;
        var siloPort = configuration.GetValue("Mallard:Cluster:SiloPort", 11111);
        var gatewayPort = configuration.GetValue("Mallard:Cluster:GatewayPort", 30000);
        var httpPort = configuration.GetValue("Mallard:Silo:HttpPort", 8081);
        var dataDirectory = configuration["Mallard:Shards:DataDirectory"] ?? "./data";

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, httpPort));
        builder.Services.AddMallardPartitions(contract, configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.AddMallardTelemetry("mallard-silo", [Mallard.Grains.ShardMetrics.MeterName]);

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = configuration.GetValue("Mallard:Cluster:ResponseTimeout", TimeSpan.FromSeconds(30)));
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = configuration["Mallard:Cluster:ClusterId"] ?? "mallard-local";
                o.ServiceId = configuration["Mallard:Cluster:ServiceId"] ?? "mallard";
            });
            silo.AddDashboard();
            silo.AddActivityPropagation();
        });

        Directory.CreateDirectory(dataDirectory);
        return builder;
    }

    /// <summary>Maps the silo's own small HTTP surface: liveness and metrics.</summary>
    public static WebApplication MapSiloEndpoints(this WebApplication app)
    {
        // The shard instruments exist from start-up, not from the first partition activation.
        app.Services.GetRequiredService<Mallard.Grains.ShardMetrics>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

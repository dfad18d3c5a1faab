using System.Net;
using Mallard.Contract;
using Mallard.Hosting;
using Mallard.Grains;
using Mallard.Grains.Ownership;
using Mallard.Silo.Cluster;
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
    /// Configures the silo: the cluster (embedded on loopback, or PostgreSQL membership, grain
    /// state and reminders with the failover settings of docs/operations.md), partition grains
    /// over DuckDB shards, the dashboard's silo side, and Prometheus metrics.
    /// </summary>
    public static WebApplicationBuilder AddMallardSilo(this WebApplicationBuilder builder, ContractDefinition contract)
    {
        var configuration = builder.Configuration;
        var cluster = SiloClusterSettings.Read(configuration);
        var siloPort = configuration.GetValue("Mallard:Cluster:SiloPort", 11111);
        var gatewayPort = configuration.GetValue("Mallard:Cluster:GatewayPort", 30000);
        var httpPort = configuration.GetValue("Mallard:Silo:HttpPort", 8081);
        var dataDirectory = configuration["Mallard:Shards:DataDirectory"] ?? "./data";

        // Grains read the resolved ordinal (it may have come from the pod name) and silo count.
        configuration["Mallard:Cluster:Ordinal"] = cluster.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        configuration["Mallard:Cluster:Silos"] = cluster.Silos.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, httpPort));
        builder.Services.AddSingleton(cluster);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = configuration.GetValue("Mallard:Silo:ShutdownTimeout", TimeSpan.FromSeconds(30)));
        builder.AddMallardTelemetry("mallard-silo", [Mallard.Grains.ShardMetrics.MeterName]);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = configuration["Mallard:Cluster:ClusterId"] ?? "mallard-local";
                o.ServiceId = configuration["Mallard:Cluster:ServiceId"] ?? "mallard";
            });
            silo.Configure<SiloOptions>(o => o.SiloName = $"mallard-silo-{cluster.Ordinal}");
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            if (cluster.Mode == ClusterMode.PostgreSql)
            {
                silo.Configure<EndpointOptions>(o =>
                {
                    o.AdvertisedIPAddress = cluster.AdvertisedAddress;
                    o.SiloPort = siloPort;
                    o.GatewayPort = gatewayPort;
                    o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, siloPort);
                    o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, gatewayPort);
                });
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = ClusterConnection.PostgresInvariant;
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.AddAdoNetGrainStorage(ShardOwnershipGrain.StorageName, o =>
                {
                    o.Invariant = ClusterConnection.PostgresInvariant;
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = ClusterConnection.PostgresInvariant;
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    // Measured on 2 cores: defaults declared a SIGKILLed silo dead after 7-11 s;
                    // these in about 1 s (docs/operations.md, "Failover").
                    o.ProbeTimeout = configuration.GetValue("Mallard:Cluster:ProbeTimeout", TimeSpan.FromSeconds(1));
                    o.NumMissedProbesLimit = configuration.GetValue("Mallard:Cluster:MissedProbesLimit", 2);
                    o.NumVotesForDeathDeclaration = configuration.GetValue("Mallard:Cluster:VotesForDeath", 1);
                    o.TableRefreshTimeout = configuration.GetValue("Mallard:Cluster:TableRefreshTimeout", TimeSpan.FromSeconds(2));
                });
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort);
                // The shards hold all data; the in-memory store holds only fencing leases, which
                // restart above the epoch stamped in each shard.
                silo.AddMemoryGrainStorage(ShardOwnershipGrain.StorageName);
                silo.UseInMemoryReminderService();
            }

            silo.AddMallardPartitions(contract, configuration);
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

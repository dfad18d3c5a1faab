using System.Net;
using Mallard.Contract;
using Mallard.Hosting;
using Mallard.Partitions;
using Mallard.Grains;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Mallard.Silo.Cluster;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Dashboard;

namespace Mallard.Silo;

/// <summary>How a Mallard silo host is put together; shared by Program and the tests.</summary>
public static class SiloHostExtensions
{
    /// <summary>Refuses a contract whose changes since the data's applied contract are breaking without a migration.</summary>
    /// <exception cref="ContractEvolutionException">The contract is refused.</exception>
    public static IReadOnlyList<ContractChange> AdmitMallardContract(this IHostApplicationBuilder builder, ContractDefinition contract) =>
        AppliedContract.Admit(contract, ShardOptions.Read(builder.Configuration).DataDirectory);

    /// <summary>
    /// Configures the silo: the cluster (embedded on loopback, or PostgreSQL membership, grain
    /// state and reminders with the failover settings of docs/operations.md), partition grains
    /// over DuckDB shards, the dashboard's silo side, and Prometheus metrics.
    /// </summary>
    public static WebApplicationBuilder AddMallardSilo(this WebApplicationBuilder builder, ContractDefinition contract)
    {
        var configuration = builder.Configuration;
        var cluster = SiloClusterSettings.Read(configuration);
        var host = SiloHostOptions.Read(configuration);
        var shards = ShardOptions.Read(configuration);
        var tls = ClusterTls.Read(configuration);

        // Probes and metrics are for inside the cluster: the pod's address alone in a pod (where
        // the kubelet probes it), else loopback plus the advertised address; never every interface.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (cluster.PodAddress is { } pod)
            {
                kestrel.Listen(pod, host.HttpPort);
                return;
            }

            kestrel.Listen(IPAddress.Loopback, host.HttpPort);
            if (!IPAddress.IsLoopback(cluster.AdvertisedAddress) && !cluster.AdvertisedAddress.Equals(IPAddress.Any) && !cluster.AdvertisedAddress.Equals(IPAddress.IPv6Any))
            {
                kestrel.Listen(cluster.AdvertisedAddress, host.HttpPort);
            }
        });
        builder.Services.AddSingleton(cluster);
        builder.Services.Configure<ColumnWireOptions>(o => o.Format = cluster.ColumnWire);
        builder.Services.AddSingleton<SiloHeartbeat>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SiloHeartbeat>());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = host.ShutdownTimeout);
        builder.AddMallardTelemetry("mallard-silo", [Mallard.Grains.ShardMetrics.MeterName]);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = $"mallard-silo-{cluster.Ordinal}");
            if (tls is not null)
            {
                // Silo and gateway ports speak mutual TLS only: a peer without a certificate from
                // the cluster's CA cannot even complete the handshake.
                silo.UseTls(tls.Configure);
            }

            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            if (cluster.Mode == ClusterMode.PostgreSql)
            {
                silo.Configure<EndpointOptions>(o =>
                {
                    o.AdvertisedIPAddress = cluster.AdvertisedAddress;
                    o.SiloPort = cluster.SiloPort;
                    o.GatewayPort = cluster.GatewayPort;
                    o.SiloListeningEndpoint = new IPEndPoint(cluster.PodAddress ?? IPAddress.Any, cluster.SiloPort);
                    o.GatewayListeningEndpoint = new IPEndPoint(cluster.PodAddress ?? IPAddress.Any, cluster.GatewayPort);
                });
                // Ownership and fencing epochs live in Mallard's own tables, so a move switches both at once.
                silo.Services.AddSingleton<Mallard.Grains.Ownership.IOwnershipStore>(
                    new PostgresOwnershipStore(Npgsql.NpgsqlDataSource.Create(cluster.ConnectionString!), cluster.ServiceId));
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = MallardClusterOptions.PostgresInvariant;
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.AddAdoNetGrainStorage(ShardOwnershipGrain.StorageName, o =>
                {
                    o.Invariant = MallardClusterOptions.PostgresInvariant;
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = MallardClusterOptions.PostgresInvariant;
                    o.ConnectionString = cluster.ConnectionString;
                });
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = cluster.Membership.ProbeTimeout;
                    o.NumMissedProbesLimit = cluster.Membership.MissedProbesLimit;
                    o.NumVotesForDeathDeclaration = cluster.Membership.VotesForDeath;
                    o.TableRefreshTimeout = cluster.Membership.TableRefreshTimeout;
                });
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort);
                // The shards hold all data; the in-memory store holds only fencing leases, which
                // restart above the epoch stamped in each shard.
                silo.AddMemoryGrainStorage(ShardOwnershipGrain.StorageName);
                silo.UseInMemoryReminderService();
            }

            if (cluster.KubernetesHosting)
            {
                // After Mallard's own options: the agent names the silo after its pod and declares
                // dead the silos whose pods are gone; membership stays in PostgreSQL.
                silo.UseKubernetesHosting();
            }

            silo.AddMallardPartitions(contract, configuration, new ClusterTopologyOptions { Ordinal = cluster.Ordinal, Silos = cluster.Silos });
            silo.AddDashboard();
            silo.AddActivityPropagation();
        });

        Directory.CreateDirectory(shards.DataDirectory);
        return builder;
    }

    /// <summary>
    /// Maps the silo's own small HTTP surface: <c>/healthz</c> (liveness: this process makes
    /// progress; never asks PostgreSQL or another silo), <c>/readyz</c> (an active member of the
    /// cluster and not stopping) and metrics.
    /// </summary>
    public static WebApplication MapSiloEndpoints(this WebApplication app)
    {
        // The shard instruments exist from start-up, not from the first partition activation.
        app.Services.GetRequiredService<Mallard.Grains.ShardMetrics>();
        if (app.Services.GetRequiredService<SiloClusterSettings>().KubernetesHosting)
        {
            app.Logger.LogInformation("Orleans Kubernetes hosting is on: silos whose pods are deleted are declared dead at once");
        }
        else
        {
            app.Logger.LogInformation("Orleans Kubernetes hosting is off (no Kubernetes API server: no service account is mounted, or Mallard:Cluster:Kubernetes=Off); dead silos are found by membership probes alone");
        }

        app.MapGet("/healthz", (SiloHeartbeat heartbeat) => heartbeat.IsBeating(out var silence)
            ? Results.Text("ok")
            : Results.Text($"stalled: no heartbeat for {silence.TotalSeconds:0.#} s", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/readyz", (IClusterMembershipService membership, ILocalSiloDetails local, IHostApplicationLifetime lifetime) =>
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return Results.Text("not ready: stopping", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            return status == SiloStatus.Active
                ? Results.Text("ready")
                : Results.Text($"not ready: {status}", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

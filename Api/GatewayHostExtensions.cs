using Mallard.Api.Admission;
using Mallard.Api.Auth;
using Mallard.Api.Console;
using Mallard.Api.Datasets;
using Mallard.Api.Health;
using Mallard.Api.Ingest;
using Mallard.Api.OpenApi;
using Mallard.Api.Querying;
using Mallard.Contract;
using Microsoft.Extensions.Options;
using Mallard.Hosting;
using Mallard.Partitions;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Mallard.Api;

/// <summary>How the gateway host is put together; shared by Program and the tests.</summary>
public static class GatewayHostExtensions
{
    /// <summary>The contract, limits, metrics and the Orleans client of the embedded (localhost) cluster.</summary>
    public static WebApplicationBuilder AddMallardGateway(this WebApplicationBuilder builder, ContractDefinition contract)
    {
        var configuration = builder.Configuration;
        var limits = GatewayOptions.Read(configuration);
        var cluster = MallardClusterOptions.Read(configuration);
        var auth = AuthOptions.Read(configuration, ListenAddresses.From(configuration));
        var tls = ClusterTls.Read(configuration);
        builder.Services.AddSingleton(contract);
        builder.Services.AddSingleton(Options.Create(auth));
        builder.Services.AddSingleton(TimeProvider.System);
        if (auth.Effective == AuthMode.Keys)
        {
            builder.Services.AddSingleton<ApiKeyRing>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ApiKeyRing>());
        }

        builder.Services.AddSingleton(Options.Create(limits));
        builder.Services.AddSingleton(Options.Create(QueryOptions.Read(configuration, cluster.EffectiveResponseTimeout)));
        builder.Services.AddSingleton(Options.Create(cluster));
        builder.Services.Configure<ColumnWireOptions>(o => o.Format = cluster.ColumnWireFormat);
        builder.Services.AddSingleton<IngestHistory>();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton<IngestAdmission>();
        builder.Services.AddSingleton<GatewayDrain>();
        builder.Services.AddHostedService(services => services.GetRequiredService<GatewayDrain>());
        builder.Services.AddProblemDetails();
        // Numbers are numbers: the web default also reads them from strings, which the document would then promise.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        builder.Services.AddMallardOpenApi();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.MaxBodyBytes + 1;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(limits.MinBodyBytesPerSecond, limits.BodyRateGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        });
        builder.AddMallardTelemetry("mallard-api", [GatewayMetrics.MeterName, "Microsoft.AspNetCore.Hosting"], tracing => tracing.AddAspNetCoreInstrumentation());

        builder.UseOrleansClient(client =>
        {
            if (cluster.IsPostgreSql)
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = MallardClusterOptions.PostgresInvariant;
                    o.ConnectionString = cluster.PostgreSql;
                });
                // The gateway list is re-read every second: a silo that joins or comes back is used
                // within a second, and calls in flight through a silo that died are failed as soon
                // as the list no longer has it (with the default minute they waited out the
                // response timeout).
                client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort);
            }

            if (tls is not null)
            {
                client.UseTls(tls.Configure);
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cluster.EffectiveResponseTimeout);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            // The gateway may start before the silo: keep trying rather than exit.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
            client.AddDashboard();
            client.AddActivityPropagation();
        });

        return builder;
    }

    /// <summary>Maps the v1 API, health, metrics and the dashboard.</summary>
    public static WebApplication MapMallardApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (auth.Effective == AuthMode.Keys)
        {
            // Loaded now, so a keys file that does not parse stops the start with its reason.
            app.Services.GetRequiredService<ApiKeyRing>().LoadNow();
            app.UseMiddleware<AuthMiddleware>();
        }
        else if (auth.Mode == AuthMode.None)
        {
            app.Logger.LogWarning("Mallard:Auth:Mode=None: the gateway answers every route without a key, on {Urls}", string.Join(", ", ListenAddresses.From(app.Configuration)));
        }

        app.UseMiddleware<AdmissionMiddleware>();
        app.MapSessionEndpoints();
        app.MapIngestEndpoints();
        app.MapQueryEndpoints();
        app.MapDatasetEndpoints();
        app.MapHealthEndpoints();
        app.MapClusterEndpoints();
        app.MapClusterOperationEndpoints();
        app.MapIngestRateEndpoints();
        app.MapStatusPage();
        app.MapConsole();
        app.MapMallardOpenApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        // The dashboard's own JSON routes are its implementation; the document lists /dashboard as a page.
        app.MapOrleansDashboard(routePrefix: "/dashboard").ExcludeFromDescription();
        return app;
    }
}

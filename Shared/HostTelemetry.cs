using Mallard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace Mallard.Hosting;

/// <summary>
/// Logging, metrics and tracing as both hosts set them up. This file is compiled into the gateway
/// and the silo (a linked source file, not a project reference, so the gateway still references
/// only Grains.Interfaces).
/// </summary>
internal static class HostTelemetry
{
    /// <summary>Structured logs with trace ids, Prometheus metrics for <paramref name="meters"/>, and traces.</summary>
    public static void AddMallardTelemetry(this WebApplicationBuilder builder, string serviceName, string[] meters, Action<TracerProviderBuilder>? tracing = null)
    {
        var configuration = builder.Configuration;

        // Every log line carries the trace and span ids; JSON lines in containers or when asked for.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (configuration.GetValue("Mallard:Logging:Json", configuration["DOTNET_RUNNING_IN_CONTAINER"] == "true"))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                // System.Runtime: the .NET runtime's own meter (GC heap, allocations, working set).
                .AddMeter([.. meters, "Microsoft.Orleans", "System.Runtime"])
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(traces =>
            {
                traces.AddSource(MallardTelemetry.SourceName, ActivitySources.AllActivitySourceName);
                tracing?.Invoke(traces);

                // Export only when configured through the standard OTEL_* variables.
                if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                {
                    traces.AddOtlpExporter();
                }
            });
    }
}

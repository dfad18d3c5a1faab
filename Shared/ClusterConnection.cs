using Microsoft.Extensions.Configuration;

namespace Mallard.Hosting;

/// <summary>
/// How a host reaches the cluster: <c>Mallard:Cluster:Mode</c> (Embedded or PostgreSql), the
/// PostgreSQL connection string and the grain-call response timeout, read the same way by the
/// silo and the gateway. Compiled into both hosts (a linked source file, like HostTelemetry).
/// </summary>
/// <param name="PostgreSql">True in PostgreSQL cluster mode, false in embedded mode.</param>
/// <param name="ConnectionString">The PostgreSQL connection string; set in PostgreSQL mode.</param>
/// <param name="ResponseTimeout">How long a grain call may take before the caller gives up.</param>
internal sealed record ClusterConnection(bool PostgreSql, string? ConnectionString, TimeSpan ResponseTimeout)
{
    /// <summary>The ADO.NET invariant name Orleans maps to Npgsql.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Embedded mode has no silo to lose, so a slow commit is worth waiting for.</summary>
    public static readonly TimeSpan EmbeddedResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>In a cluster a call to a silo that just died must not hang (docs/operations.md, "Failover").</summary>
    public static readonly TimeSpan ClusterResponseTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="InvalidOperationException">A setting is missing or malformed; the message names it.</exception>
    public static ClusterConnection Read(IConfiguration configuration)
    {
        var mode = configuration["Mallard:Cluster:Mode"] ?? "Embedded";
        var postgres = string.Equals(mode, "PostgreSql", StringComparison.OrdinalIgnoreCase);
        if (!postgres && !string.Equals(mode, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Mallard:Cluster:Mode is '{mode}'; expected Embedded or PostgreSql");
        }

        var connectionString = configuration["Mallard:Cluster:PostgreSql"];
        if (postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Mallard:Cluster:Mode is PostgreSql but Mallard:Cluster:PostgreSql (the connection string) is not set");
        }

        var timeout = configuration.GetValue<TimeSpan?>("Mallard:Cluster:ResponseTimeout")
            ?? (postgres ? ClusterResponseTimeout : EmbeddedResponseTimeout);
        return new ClusterConnection(postgres, postgres ? connectionString : null, timeout);
    }
}

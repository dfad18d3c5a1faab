using Mallard.Partitions;
using Microsoft.Extensions.Configuration;

namespace Mallard.Hosting;

/// <summary>
/// How a host reaches the cluster (section <c>Mallard:Cluster</c>), read the same way by the silo
/// and the gateway: mode, PostgreSQL connection string, response timeout, cluster and service ids,
/// and the silo and gateway ports. Compiled into both hosts (a linked source file, like
/// HostTelemetry), so the gateway still references only Grains.Interfaces.
/// </summary>
internal sealed class MallardClusterOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Mallard:Cluster";

    /// <summary>The ADO.NET invariant name Orleans maps to Npgsql.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Embedded mode has no silo to lose, so a slow commit is worth waiting for.</summary>
    public static readonly TimeSpan EmbeddedResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>In a cluster a call to a silo that just died must not hang (docs/operations.md, "Failover").</summary>
    public static readonly TimeSpan ClusterResponseTimeout = TimeSpan.FromSeconds(5);

    /// <summary><c>Embedded</c> (one local silo, the default) or <c>PostgreSql</c>.</summary>
    public string Mode { get; set; } = "Embedded";

    /// <summary>The PostgreSQL connection string; required in PostgreSQL mode.</summary>
    public string? PostgreSql { get; set; }

    /// <summary>How long a grain call may take; default 30 s embedded, 5 s in a cluster.</summary>
    public TimeSpan? ResponseTimeout { get; set; }

    /// <summary>The Orleans cluster id (one deployment).</summary>
    public string ClusterId { get; set; } = "mallard-local";

    /// <summary>The Orleans service id (survives redeployments; keys grain state).</summary>
    public string ServiceId { get; set; } = "mallard";

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients (gateways) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// How column vectors travel in grain calls: <c>Packed</c> (the default) or <c>Fields</c>, the
    /// form builds before the packed one read, set while a cluster rolls from such a build.
    /// </summary>
    public string ColumnWire { get; set; } = nameof(ColumnWireFormat.Packed);

    /// <summary>The column wire form in force (checked by <see cref="Read"/>).</summary>
    public ColumnWireFormat ColumnWireFormat => Enum.Parse<ColumnWireFormat>(ColumnWire, ignoreCase: true);

    /// <summary>True in PostgreSQL cluster mode.</summary>
    public bool IsPostgreSql => string.Equals(Mode, "PostgreSql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The response timeout in force.</summary>
    public TimeSpan EffectiveResponseTimeout => ResponseTimeout ?? (IsPostgreSql ? ClusterResponseTimeout : EmbeddedResponseTimeout);

    /// <summary>Binds and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A setting is missing or malformed; the message names it.</exception>
    public static MallardClusterOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<MallardClusterOptions>() ?? new MallardClusterOptions();
        if (!options.IsPostgreSql && !string.Equals(options.Mode, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{Section}:Mode is '{options.Mode}'; expected Embedded or PostgreSql");
        }

        if (options.IsPostgreSql && string.IsNullOrWhiteSpace(options.PostgreSql))
        {
            throw new InvalidOperationException($"{Section}:Mode is PostgreSql but {Section}:PostgreSql (the connection string) is not set");
        }

        RequirePort(options.SiloPort, nameof(SiloPort));
        RequirePort(options.GatewayPort, nameof(GatewayPort));
        if (options.ResponseTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:ResponseTimeout is {timeout}; expected a positive time span");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
        {
            throw new InvalidOperationException($"{Section}:ClusterId and {Section}:ServiceId must not be empty");
        }

        if (!Enum.GetNames<ColumnWireFormat>().Contains(options.ColumnWire, StringComparer.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{Section}:ColumnWire is '{options.ColumnWire}'; expected Packed or Fields");
        }

        if (!options.IsPostgreSql)
        {
            options.PostgreSql = null;
        }

        return options;
    }

    private static void RequirePort(int port, string name)
    {
        if (port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{Section}:{name} is {port}; expected a TCP port from 1 to 65535");
        }
    }
}

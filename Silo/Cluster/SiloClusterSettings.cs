using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Mallard.Hosting;

namespace Mallard.Silo.Cluster;

/// <summary>The cluster settings of one silo, bound and checked once at start-up.</summary>
/// <param name="Mode">Embedded or PostgreSQL.</param>
/// <param name="ConnectionString">PostgreSQL connection string (<c>Mallard:Cluster:PostgreSql</c>); required in PostgreSQL mode.</param>
/// <param name="Ordinal">This silo's stable ordinal (always 0 in embedded mode).</param>
/// <param name="Silos">How many ordinals partitions are spread over (always 1 in embedded mode).</param>
/// <param name="AdvertisedAddress">The address other silos and gateways reach this silo at.</param>
/// <param name="ResponseTimeout">How long a grain call may take before the caller gives up.</param>
public sealed partial record SiloClusterSettings(ClusterMode Mode, string? ConnectionString, int Ordinal, int Silos, IPAddress AdvertisedAddress, TimeSpan ResponseTimeout)
{
    /// <summary>The Orleans cluster id.</summary>
    public string ClusterId { get; init; } = "mallard-local";

    /// <summary>The Orleans service id.</summary>
    public string ServiceId { get; init; } = "mallard";

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>The port gateways connect to.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>Membership timings (PostgreSQL mode).</summary>
    public SiloClusterOptions Membership { get; init; } = new();

    /// <summary>Reads <c>Mallard:Cluster:*</c>; the ordinal falls back to the numeric suffix of <c>POD_NAME</c> or <c>HOSTNAME</c> (a StatefulSet pod <c>mallard-2</c> is ordinal 2).</summary>
    /// <exception cref="InvalidOperationException">A setting is missing or malformed; the message names it.</exception>
    public static SiloClusterSettings Read(IConfiguration configuration)
    {
        const string section = MallardClusterOptions.Section;
        var shared = MallardClusterOptions.Read(configuration);
        var own = configuration.GetSection(section).Get<SiloClusterOptions>() ?? new SiloClusterOptions();
        var mode = shared.IsPostgreSql ? ClusterMode.PostgreSql : ClusterMode.Embedded;

        // Embedded mode is one silo owning every partition; an ordinal or silo count left over from
        // a cluster configuration must not make partitions look owned by silos that will never come.
        var ordinal = mode == ClusterMode.Embedded ? 0 : own.Ordinal ?? OrdinalFromPodName(configuration["POD_NAME"] ?? configuration["HOSTNAME"]) ?? 0;
        if (ordinal < 0)
        {
            throw new InvalidOperationException($"{section}:Ordinal is {ordinal}; expected a non-negative integer");
        }

        // Silos is no longer needed (new datasets spread over the active ordinals); it is kept
        // for configurations written for earlier versions and only checked for sense.
        var silos = mode == ClusterMode.Embedded ? 1 : own.Silos;
        if (silos < 1)
        {
            throw new InvalidOperationException($"{section}:Silos is {silos}; expected a positive integer (it is no longer required)");
        }

        if (!IPAddress.TryParse(own.AdvertisedAddress, out var address))
        {
            throw new InvalidOperationException($"{section}:AdvertisedAddress is '{own.AdvertisedAddress}'; expected an IP address");
        }

        if (own.ProbeTimeout <= TimeSpan.Zero || own.TableRefreshTimeout <= TimeSpan.Zero || own.MissedProbesLimit < 1 || own.VotesForDeath < 1)
        {
            throw new InvalidOperationException($"{section}:ProbeTimeout, TableRefreshTimeout, MissedProbesLimit and VotesForDeath must be positive");
        }

        return new SiloClusterSettings(mode, shared.PostgreSql, ordinal, silos, address, shared.EffectiveResponseTimeout)
        {
            ClusterId = shared.ClusterId,
            ServiceId = shared.ServiceId,
            SiloPort = shared.SiloPort,
            GatewayPort = shared.GatewayPort,
            Membership = own,
        };
    }

    private static int? OrdinalFromPodName(string? name) =>
        name is not null && PodOrdinal().Match(name) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"-(\d{1,5})$")]
    private static partial Regex PodOrdinal();
}

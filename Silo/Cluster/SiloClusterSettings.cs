using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Mallard.Silo.Cluster;

/// <summary>The cluster settings of one silo, read and checked once at start-up.</summary>
/// <param name="Mode">Embedded or PostgreSQL.</param>
/// <param name="ConnectionString">PostgreSQL connection string (<c>Mallard:Cluster:PostgreSql</c>); required in PostgreSQL mode.</param>
/// <param name="Ordinal">This silo's stable ordinal (always 0 in embedded mode).</param>
/// <param name="Silos">How many ordinals partitions are spread over (always 1 in embedded mode).</param>
/// <param name="AdvertisedAddress">The address other silos and gateways reach this silo at.</param>
/// <param name="ResponseTimeout">How long a grain call may take before the caller gives up.</param>
public sealed partial record SiloClusterSettings(ClusterMode Mode, string? ConnectionString, int Ordinal, int Silos, IPAddress AdvertisedAddress, TimeSpan ResponseTimeout)
{
    /// <summary>Embedded mode has no silo to lose, so a slow commit is worth waiting for.</summary>
    public static readonly TimeSpan EmbeddedResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>In a cluster a call to a silo that just died must not hang: see docs/operations.md.</summary>
    public static readonly TimeSpan ClusterResponseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Reads <c>Mallard:Cluster:*</c>; the ordinal falls back to the numeric suffix of <c>POD_NAME</c> or <c>HOSTNAME</c> (a StatefulSet pod <c>mallard-2</c> is ordinal 2).</summary>
    /// <exception cref="InvalidOperationException">A setting is missing or malformed; the message names it.</exception>
    public static SiloClusterSettings Read(IConfiguration configuration)
    {
        var modeText = configuration["Mallard:Cluster:Mode"] ?? nameof(ClusterMode.Embedded);
        if (!Enum.TryParse<ClusterMode>(modeText, ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
        {
            throw new InvalidOperationException($"Mallard:Cluster:Mode is '{modeText}'; expected Embedded or PostgreSql");
        }

        var connectionString = configuration["Mallard:Cluster:PostgreSql"];
        if (mode == ClusterMode.PostgreSql && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Mallard:Cluster:Mode is PostgreSql but Mallard:Cluster:PostgreSql (the connection string) is not set");
        }

        int ordinal;
        var ordinalText = configuration["Mallard:Cluster:Ordinal"];
        if (mode == ClusterMode.Embedded)
        {
            // One silo owns every partition; an ordinal or silo count left over from a cluster
            // configuration must not make partitions look owned by silos that will never come.
            ordinal = 0;
        }
        else if (!string.IsNullOrEmpty(ordinalText))
        {
            if (!int.TryParse(ordinalText, NumberStyles.None, CultureInfo.InvariantCulture, out ordinal))
            {
                throw new InvalidOperationException($"Mallard:Cluster:Ordinal is '{ordinalText}'; expected a non-negative integer");
            }
        }
        else if (OrdinalFromPodName(configuration["POD_NAME"] ?? configuration["HOSTNAME"]) is { } fromPod)
        {
            ordinal = fromPod;
        }
        else
        {
            ordinal = 0;
        }

        var silos = mode == ClusterMode.Embedded ? 1 : configuration.GetValue("Mallard:Cluster:Silos", 1);
        if (silos < 1 || ordinal >= silos)
        {
            throw new InvalidOperationException($"Mallard:Cluster:Ordinal {ordinal} is outside Mallard:Cluster:Silos {silos} (ordinals run from 0 to Silos - 1)");
        }

        var addressText = configuration["Mallard:Cluster:AdvertisedAddress"] ?? "127.0.0.1";
        if (!IPAddress.TryParse(addressText, out var address))
        {
            throw new InvalidOperationException($"Mallard:Cluster:AdvertisedAddress is '{addressText}'; expected an IP address");
        }

        var timeout = configuration.GetValue<TimeSpan?>("Mallard:Cluster:ResponseTimeout")
            ?? (mode == ClusterMode.Embedded ? EmbeddedResponseTimeout : ClusterResponseTimeout);
        return new SiloClusterSettings(mode, connectionString, ordinal, silos, address, timeout);
    }

    private static int? OrdinalFromPodName(string? name) =>
        name is not null && PodOrdinal().Match(name) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"-(\d{1,5})$")]
    private static partial Regex PodOrdinal();
}

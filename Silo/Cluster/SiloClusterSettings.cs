using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Mallard.Hosting;

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
    /// <summary>Reads <c>Mallard:Cluster:*</c>; the ordinal falls back to the numeric suffix of <c>POD_NAME</c> or <c>HOSTNAME</c> (a StatefulSet pod <c>mallard-2</c> is ordinal 2).</summary>
    /// <exception cref="InvalidOperationException">A setting is missing or malformed; the message names it.</exception>
    public static SiloClusterSettings Read(IConfiguration configuration)
    {
        var connection = ClusterConnection.Read(configuration);
        var mode = connection.PostgreSql ? ClusterMode.PostgreSql : ClusterMode.Embedded;

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

        return new SiloClusterSettings(mode, connection.ConnectionString, ordinal, silos, address, connection.ResponseTimeout);
    }

    private static int? OrdinalFromPodName(string? name) =>
        name is not null && PodOrdinal().Match(name) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"-(\d{1,5})$")]
    private static partial Regex PodOrdinal();
}

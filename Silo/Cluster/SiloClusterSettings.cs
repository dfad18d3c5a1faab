using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Mallard.Hosting;
using Mallard.Partitions;

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

    /// <summary>The form this silo writes column vectors in (<c>Mallard:Cluster:ColumnWire</c>).</summary>
    public ColumnWireFormat ColumnWire { get; init; }

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

        // On Kubernetes (and in its emulation) every listener binds the pod's own address.
        IPAddress? podAddress = null;
        if (configuration["POD_IP"] is { Length: > 0 } podIp && !IPAddress.TryParse(podIp, out podAddress))
        {
            throw new InvalidOperationException($"POD_IP is '{podIp}'; expected an IP address");
        }

        var advertised = own.AdvertisedAddress ?? podAddress?.ToString() ?? "127.0.0.1";
        if (!IPAddress.TryParse(advertised, out var address))
        {
            throw new InvalidOperationException($"{section}:AdvertisedAddress is '{advertised}'; expected an IP address");
        }

        var kubernetes = own.Kubernetes.ToLowerInvariant() switch
        {
            "auto" => File.Exists(ServiceAccountToken) && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")),
            "on" => true,
            "off" => false,
            _ => throw new InvalidOperationException($"{section}:Kubernetes is '{own.Kubernetes}'; expected Auto, On or Off"),
        };

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
            ColumnWire = shared.ColumnWireFormat,
            Membership = own,
            PodAddress = podAddress,
            KubernetesHosting = kubernetes,
        };
    }

    /// <summary>Where Kubernetes mounts a pod's service account token.</summary>
    public const string ServiceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>The pod's address (<c>POD_IP</c>), which every listener binds when set; null outside a pod.</summary>
    public IPAddress? PodAddress { get; init; }

    /// <summary>Whether Orleans' Kubernetes hosting agent runs (<c>Mallard:Cluster:Kubernetes</c>).</summary>
    public bool KubernetesHosting { get; init; }

    private static int? OrdinalFromPodName(string? name) =>
        name is not null && PodOrdinal().Match(name) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"-(\d{1,5})$")]
    private static partial Regex PodOrdinal();
}

namespace Mallard.Silo.Cluster;

/// <summary>
/// The silo's own cluster settings (section <c>Mallard:Cluster</c>, beside the ones the gateway
/// shares): its place in the cluster and the membership timings of docs/operations.md, "Failover".
/// </summary>
public sealed class SiloClusterOptions
{
    /// <summary>This silo's ordinal; when unset, the numeric suffix of <c>POD_NAME</c> or <c>HOSTNAME</c>, else 0.</summary>
    public int? Ordinal { get; set; }

    /// <summary>How many ordinals a new dataset's partitions are spread over (always 1 in embedded mode).</summary>
    public int Silos { get; set; } = 1;

    /// <summary>The address other silos and gateways reach this silo at (default: <c>POD_IP</c> when set, else 127.0.0.1).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// Orleans' Kubernetes hosting agent (declares dead the silos whose pods are gone): <c>Auto</c>
    /// turns it on inside a Kubernetes pod (a service account is mounted), <c>On</c> always, <c>Off</c> never.
    /// </summary>
    public string Kubernetes { get; set; } = "Auto";

    /// <summary>
    /// How long a membership probe may take. Measured on 2 cores: Orleans' defaults declared a
    /// SIGKILLed silo dead after 7-11 s; these four settings in about 1 s.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo is suspected.</summary>
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>Votes needed to declare a silo dead.</summary>
    public int VotesForDeath { get; set; } = 1;

    /// <summary>How often the membership table is re-read.</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

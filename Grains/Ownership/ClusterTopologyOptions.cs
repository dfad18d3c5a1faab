namespace Mallard.Grains.Ownership;

/// <summary>Where this silo sits in the cluster, as the silo host resolved it at start (the ordinal may come from the pod name).</summary>
public sealed class ClusterTopologyOptions
{
    /// <summary>The silo metadata key that publishes the ordinal to the other silos.</summary>
    public const string OrdinalMetadataKey = "mallard.ordinal";

    /// <summary>
    /// This silo's stable ordinal (0-based). It names the shards the silo holds, so a silo that
    /// restarts must come back with the same ordinal and the same data directory.
    /// </summary>
    public int Ordinal { get; set; }

    /// <summary>How many silo ordinals a new dataset's partitions are spread over.</summary>
    public int Silos { get; set; } = 1;
}

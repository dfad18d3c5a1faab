namespace Mallard.Grains.Ownership;

/// <summary>The ownership map as persisted in grain storage (the name is part of the stored form: do not rename).</summary>
[GenerateSerializer, Alias("mallard.OwnershipState")]
public sealed class OwnershipState
{
    /// <summary>Bumped on every change; 0 until the first dataset is assigned.</summary>
    [Id(0)]
    public int Version { get; set; }

    /// <summary>The number of silo ordinals partitions were spread over when the map was created.</summary>
    [Id(1)]
    public int Silos { get; set; }

    /// <summary>Owner ordinal per partition, by dataset.</summary>
    [Id(2)]
    public Dictionary<string, int[]> Datasets { get; set; } = new(StringComparer.Ordinal);
}

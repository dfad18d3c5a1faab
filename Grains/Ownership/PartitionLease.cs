namespace Mallard.Grains.Ownership;

/// <summary>
/// A partition's fencing state in grain storage (the name is part of the stored form: do not
/// rename). Every activation bumps <see cref="Epoch"/> under the storage's optimistic concurrency,
/// so of two activations racing for one partition only one can hold the current epoch.
/// </summary>
[GenerateSerializer, Alias("mallard.PartitionLease")]
public sealed class PartitionLease
{
    /// <summary>The epoch of the newest activation.</summary>
    [Id(0)]
    public long Epoch { get; set; }

    /// <summary>The silo ordinal that took the epoch.</summary>
    [Id(1)]
    public int Ordinal { get; set; }

    /// <summary>When the epoch was taken.</summary>
    [Id(2)]
    public DateTimeOffset TakenAt { get; set; }
}

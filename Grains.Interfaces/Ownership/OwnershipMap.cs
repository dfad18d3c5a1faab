namespace Mallard.Ownership;

/// <summary>The stored ownership map.</summary>
/// <param name="Version">Bumped on every change.</param>
/// <param name="Silos">The number of silo ordinals partitions were spread over.</param>
/// <param name="Datasets">Owner ordinals per partition, by dataset.</param>
[GenerateSerializer, Immutable, Alias("mallard.OwnershipMap")]
public sealed record OwnershipMap(
    [property: Id(0)] int Version,
    [property: Id(1)] int Silos,
    [property: Id(2)] IReadOnlyDictionary<string, int[]> Datasets);

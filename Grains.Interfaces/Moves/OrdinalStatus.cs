namespace Mallard.Moves;

/// <summary>One ordinal: whether it is an active member, whether it is drained, and the partitions it owns.</summary>
[GenerateSerializer, Immutable, Alias("mallard.OrdinalStatus")]
public sealed record OrdinalStatus(
    [property: Id(0)] int Ordinal,
    [property: Id(1)] bool Active,
    [property: Id(2)] bool Drained,
    [property: Id(3)] IReadOnlyDictionary<string, int[]> Partitions);

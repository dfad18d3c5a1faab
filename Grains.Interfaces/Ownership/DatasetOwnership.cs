namespace Mallard.Ownership;

/// <summary>The owner of every partition of one dataset, as of one map version.</summary>
/// <param name="Dataset">The dataset name.</param>
/// <param name="MapVersion">The ownership map version this assignment belongs to.</param>
/// <param name="Owners">Owner silo ordinal per partition, indexed by partition number.</param>
[GenerateSerializer, Immutable, Alias("mallard.DatasetOwnership")]
public sealed record DatasetOwnership(
    [property: Id(0)] string Dataset,
    [property: Id(1)] int MapVersion,
    [property: Id(2)] int[] Owners)
{
    /// <summary>The ordinal of the silo that holds <paramref name="partition"/>'s shard.</summary>
    public int OwnerOf(int partition) => Owners[partition];
}

namespace Mallard.Contract;

/// <summary>The parsed, validated data contract (<c>schema.yaml</c>).</summary>
/// <param name="Version">The contract's version number.</param>
/// <param name="Datasets">Datasets by name.</param>
/// <param name="SourcePath">The file it was read from.</param>
public sealed record ContractDefinition(int Version, IReadOnlyDictionary<string, DatasetDefinition> Datasets, string SourcePath)
{
    /// <summary>Looks a dataset up by name.</summary>
    public bool TryGetDataset(string name, out DatasetDefinition dataset) =>
        Datasets.TryGetValue(name, out dataset!);
}

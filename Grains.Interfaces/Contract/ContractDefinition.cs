namespace Mallard.Contract;

/// <summary>The parsed, validated data contract (<c>schema.yaml</c>).</summary>
/// <param name="Version">The contract's version number.</param>
/// <param name="Datasets">Datasets by name.</param>
/// <param name="SourcePath">The file it was read from.</param>
/// <param name="Migrations">Declared migrations, ordered by version.</param>
public sealed record ContractDefinition(
    int Version,
    IReadOnlyDictionary<string, DatasetDefinition> Datasets,
    string SourcePath,
    IReadOnlyList<MigrationDefinition> Migrations)
{
    /// <summary>Hash of the version and every dataset definition.</summary>
    public string Hash { get; } = DefinitionHash.Of(Version, Datasets.Values);

    /// <summary>Looks a dataset up by name.</summary>
    public bool TryGetDataset(string name, out DatasetDefinition dataset) =>
        Datasets.TryGetValue(name, out dataset!);
}

using Mallard.Contract;

namespace Mallard.Grains;

/// <summary>
/// The contract a silo's data directory was last served under (<c>{data}/contract/applied.yaml</c>).
/// At start the silo compares the contract it is given with it, exactly as <c>contract check</c>
/// does, and refuses to start on a breaking change without a migration, before any shard is touched.
/// </summary>
public static class AppliedContract
{
    /// <summary>Admits <paramref name="contract"/> for the data in <paramref name="dataDirectory"/>, or throws.</summary>
    /// <returns>The changes since the applied contract (empty on first start or when unchanged).</returns>
    /// <exception cref="ContractEvolutionException">A change is breaking and no migration explains it.</exception>
    public static IReadOnlyList<ContractChange> Admit(ContractDefinition contract, string dataDirectory)
    {
        var folder = Path.Combine(Path.GetFullPath(dataDirectory), "contract");
        var appliedPath = Path.Combine(folder, "applied.yaml");
        IReadOnlyList<ContractChange> changes = [];
        if (File.Exists(appliedPath))
        {
            var applied = ContractLoader.LoadFile(appliedPath);
            changes = ContractComparer.Compare(applied, contract);
            var breaking = changes.Where(c => c.Class == ChangeClass.Breaking).ToList();
            if (breaking.Count > 0)
            {
                throw new ContractEvolutionException(
                    $"{contract.SourcePath} (v{contract.Version}) cannot replace the contract this data was written under (v{applied.Version}): "
                    + string.Join("; ", breaking.Select(b => (b.Dataset is null ? "" : b.Dataset + ": ") + b.Description))
                    + ". Declare a migration, or run `contract check` to see every change.");
            }

            if (applied.Hash == contract.Hash)
            {
                return changes;
            }
        }

        Directory.CreateDirectory(folder);
        var staging = appliedPath + ".tmp";
        File.Copy(contract.SourcePath, staging, overwrite: true);
        File.Move(staging, appliedPath, overwrite: true);
        return changes;
    }
}

namespace Mallard.Contract;

/// <summary>
/// Compares a proposed contract with the current one, in the spirit of a schema registry's
/// compatibility check: every change is listed as compatible, breaking-with-migration or breaking.
/// </summary>
public static class ContractComparer
{
    /// <summary>The changes from <paramref name="current"/> to <paramref name="proposed"/>.</summary>
    public static IReadOnlyList<ContractChange> Compare(ContractDefinition current, ContractDefinition proposed)
    {
        var changes = new List<ContractChange>();
        foreach (var (name, old) in current.Datasets)
        {
            if (!proposed.Datasets.TryGetValue(name, out var now))
            {
                changes.Add(new ContractChange(name, ChangeClass.Breaking, $"dataset '{name}' was removed; its data would be orphaned"));
                continue;
            }

            changes.AddRange(DatasetEvolution.Plan(old, current.Version, now, proposed.Migrations)
                .Select(step => new ContractChange(name, step.Class, step.Description)));
        }

        foreach (var name in proposed.Datasets.Keys.Where(n => !current.Datasets.ContainsKey(n)))
        {
            changes.Add(new ContractChange(name, ChangeClass.Compatible, $"add dataset '{name}'"));
        }

        var definitionsChanged = current.Datasets.Count != proposed.Datasets.Count
            || current.Datasets.Any(d => !proposed.Datasets.TryGetValue(d.Key, out var now) || now.Hash != d.Value.Hash);
        if (definitionsChanged && proposed.Version <= current.Version)
        {
            changes.Add(new ContractChange(null, ChangeClass.Breaking,
                $"the contract changed but its version did not increase ({current.Version} → {proposed.Version})"));
        }
        else if (proposed.Version < current.Version)
        {
            changes.Add(new ContractChange(null, ChangeClass.Breaking, $"the version went down ({current.Version} → {proposed.Version})"));
        }

        return changes;
    }
}

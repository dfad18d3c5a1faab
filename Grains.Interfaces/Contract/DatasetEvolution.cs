namespace Mallard.Contract;

/// <summary>
/// Works out how a dataset gets from one definition to another: declared migrations newer than the
/// old version first (in version order), then every remaining difference classified as compatible
/// (applied online) or breaking (refused). The same plan drives <c>contract check</c> and the
/// shards' own upgrade on activation, so what the check approves is exactly what a shard does.
/// </summary>
public static class DatasetEvolution
{
    /// <summary>The steps from <paramref name="from"/> (at contract version <paramref name="fromVersion"/>) to <paramref name="to"/>.</summary>
    public static IReadOnlyList<EvolutionStep> Plan(DatasetDefinition from, int fromVersion, DatasetDefinition to, IReadOnlyList<MigrationDefinition> migrations)
    {
        var steps = new List<EvolutionStep>();
        var columns = from.Columns.Select(c => (c.Name, c.Type, c.Nullable)).ToList();
        var key = from.Key.ToList();
        var partitionBy = from.PartitionBy.ToList();

        foreach (var migration in migrations.Where(m => m.Dataset == to.Name && m.Version > fromVersion).OrderBy(m => m.Version))
        {
            var index = columns.FindIndex(c => c.Name == migration.Column);
            if (index < 0)
            {
                steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, migration.Column,
                    $"{migration.Describe()} does not apply: the dataset has no column '{migration.Column}' at that point"));
                continue;
            }

            switch (migration.Kind)
            {
                case MigrationKind.RenameColumn:
                    if (columns.Any(c => c.Name == migration.NewName))
                    {
                        steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, migration.Column,
                            $"{migration.Describe()} does not apply: column '{migration.NewName}' already exists"));
                        continue;
                    }

                    columns[index] = (migration.NewName!, columns[index].Type, columns[index].Nullable);
                    Rename(key, migration.Column, migration.NewName!);
                    Rename(partitionBy, migration.Column, migration.NewName!);
                    steps.Add(new EvolutionStep(EvolutionStepKind.RenameColumn, ChangeClass.Migration, migration.Column, migration.Describe(), NewName: migration.NewName));
                    break;
                case MigrationKind.DropColumn:
                    if (key.Contains(migration.Column) || partitionBy.Contains(migration.Column))
                    {
                        steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, migration.Column,
                            $"{migration.Describe()} is refused: '{migration.Column}' is part of the key or partitioning"));
                        continue;
                    }

                    columns.RemoveAt(index);
                    steps.Add(new EvolutionStep(EvolutionStepKind.DropColumn, ChangeClass.Migration, migration.Column, migration.Describe()));
                    break;
                case MigrationKind.ChangeType:
                    if (partitionBy.Contains(migration.Column))
                    {
                        steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, migration.Column,
                            $"{migration.Describe()} is refused: changing a partitioning column's type would re-route its records"));
                        continue;
                    }

                    columns[index] = (columns[index].Name, migration.NewType!, columns[index].Nullable);
                    steps.Add(new EvolutionStep(EvolutionStepKind.CastType, ChangeClass.Migration, migration.Column, migration.Describe(), NewType: migration.NewType));
                    break;
            }
        }

        foreach (var old in columns)
        {
            if (!to.TryGetColumn(old.Name, out var now))
            {
                steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, old.Name,
                    $"column '{old.Name}' was removed or renamed without a migration (declare rename_column or drop_column)"));
                continue;
            }

            if (now.Type != old.Type)
            {
                steps.Add(IsWidening(old.Type, now.Type)
                    ? new EvolutionStep(EvolutionStepKind.WidenType, ChangeClass.Compatible, old.Name, $"widen column '{old.Name}' from {old.Type} to {now.Type}", NewType: now.Type)
                    : new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, old.Name,
                        $"column '{old.Name}' changes type from {old.Type} to {now.Type} without a migration (declare change_type)"));
            }

            if (old.Nullable && !now.Nullable)
            {
                steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, old.Name,
                    $"column '{old.Name}' becomes required; existing rows may hold nulls"));
            }
            else if (!old.Nullable && now.Nullable)
            {
                steps.Add(new EvolutionStep(EvolutionStepKind.DropNotNull, ChangeClass.Compatible, old.Name, $"make column '{old.Name}' nullable"));
            }
        }

        foreach (var added in to.Columns.Where(c => !columns.Any(o => o.Name == c.Name)))
        {
            steps.Add(added.Nullable
                ? new EvolutionStep(EvolutionStepKind.AddColumn, ChangeClass.Compatible, added.Name, $"add nullable column '{added.Name}' ({added.Type}); existing rows read null", NewType: added.Type)
                : new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, added.Name, $"add required column '{added.Name}'; existing rows have no value (make it nullable)"));
        }

        if (!key.SequenceEqual(to.Key))
        {
            steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, null, $"key changes from [{string.Join(", ", key)}] to [{string.Join(", ", to.Key)}]"));
        }

        if (!partitionBy.SequenceEqual(to.PartitionBy) || from.Partitions != to.Partitions)
        {
            steps.Add(new EvolutionStep(EvolutionStepKind.Refused, ChangeClass.Breaking, null,
                $"partitioning changes from [{string.Join(", ", partitionBy)}]×{from.Partitions} to [{string.Join(", ", to.PartitionBy)}]×{to.Partitions}; re-partitioning is not supported"));
        }

        if (from.TimeColumn != to.TimeColumn && !steps.Any(s => s.Kind == EvolutionStepKind.RenameColumn && s.Column == from.TimeColumn && s.NewName == to.TimeColumn))
        {
            steps.Add(new EvolutionStep(EvolutionStepKind.Metadata, ChangeClass.Compatible, to.TimeColumn,
                $"time column changes from {from.TimeColumn ?? "none"} to {to.TimeColumn ?? "none"}"));
        }

        if (from.DedupWindow != to.DedupWindow)
        {
            steps.Add(new EvolutionStep(EvolutionStepKind.Metadata, ChangeClass.Compatible, null,
                $"dedup window changes from {Describe(from.DedupWindow)} to {Describe(to.DedupWindow)}"));
        }

        return steps;
    }

    private static string Describe(TimeSpan? window) => window is { } w ? $"{w.TotalSeconds:0}s" : "the whole history";

    /// <summary>Whether every value of <paramref name="from"/> is stored exactly by <paramref name="to"/>.</summary>
    public static bool IsWidening(ColumnType from, ColumnType to) => (from.Kind, to.Kind) switch
    {
        (ColumnKind.Int32, ColumnKind.Int64) => true,
        (ColumnKind.Int32, ColumnKind.Float64) => true,
        (ColumnKind.Decimal, ColumnKind.Decimal) => to.Scale == from.Scale && to.Precision > from.Precision,
        _ => false,
    };

    private static void Rename(List<string> names, string from, string to)
    {
        var index = names.IndexOf(from);
        if (index >= 0)
        {
            names[index] = to;
        }
    }
}

using System.Globalization;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// Keeps a shard's tables at the contract's definition. The shard records the contract version and
/// the canonical definition its tables were built for; on open it plans the way from there to the
/// current definition (<see cref="DatasetEvolution"/>), runs it inside the caller's transaction and
/// records the new definition in the same transaction, so a crash leaves the old shard or the new
/// one, never a mix. Afterwards the real columns are compared with the contract: drift is refused.
/// </summary>
internal static class ShardEvolution
{
    /// <summary>
    /// The steps that would bring an existing shard to <paramref name="dataset"/>'s definition (empty for a new or current shard).
    /// </summary>
    /// <exception cref="PartitionException">The shard belongs elsewhere, or a step is breaking without a migration.</exception>
    public static IReadOnlyList<EvolutionStep> PendingSteps(DuckDBConnection connection, DatasetDefinition dataset, int partition, ContractDefinition contract)
    {
        var stored = ReadIdentity(connection);
        if (stored is null)
        {
            return [];
        }

        if (stored.Value.Dataset != dataset.Name || stored.Value.Partition != partition)
        {
            throw new PartitionException(ErrorCodes.ShardIdentityMismatch,
                $"shard file belongs to {stored.Value.Dataset}/{stored.Value.Partition}, not {dataset.Name}/{partition}");
        }

        if (stored.Value.DefinitionHash == dataset.Hash)
        {
            return [];
        }

        var from = DefinitionHash.FromCanonicalJson(stored.Value.Definition);
        var steps = DatasetEvolution.Plan(from, stored.Value.ContractVersion, dataset, contract.Migrations);
        var refused = steps.Where(s => s.Class == ChangeClass.Breaking).ToList();
        if (refused.Count > 0)
        {
            throw new PartitionException(ErrorCodes.ContractBreaking,
                $"shard {dataset.Name}/{partition} is at contract v{stored.Value.ContractVersion}; reaching v{contract.Version} needs a migration for: {string.Join("; ", refused.Select(r => r.Description))}");
        }

        return steps;
    }

    public static IReadOnlyList<EvolutionStep> BringUpToDate(DuckDBConnection connection, DatasetDefinition dataset, int partition, ContractDefinition contract)
    {
        if (ReadIdentity(connection) is null)
        {
            DuckDbCommands.Execute(connection, ShardSql.CreateDataTable(dataset));
            WriteIdentity(connection, dataset, partition, contract.Version, insert: true);
            return [];
        }

        var steps = PendingSteps(connection, dataset, partition, contract);
        if (steps.Count == 0)
        {
            return [];
        }

        var table = ShardSql.Quote(dataset.Name);
        foreach (var step in steps)
        {
            var column = step.Column is null ? "" : ShardSql.Quote(step.Column);
            switch (step.Kind)
            {
                case EvolutionStepKind.AddColumn:
                    DuckDbCommands.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {ShardSql.DuckDbType(step.NewType!)}");
                    break;
                case EvolutionStepKind.WidenType:
                    DuckDbCommands.Execute(connection, $"ALTER TABLE {table} ALTER COLUMN {column} SET DATA TYPE {ShardSql.DuckDbType(step.NewType!)}");
                    break;
                case EvolutionStepKind.DropNotNull:
                    DuckDbCommands.Execute(connection, $"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL");
                    break;
                case EvolutionStepKind.RenameColumn:
                    DuckDbCommands.Execute(connection, $"ALTER TABLE {table} RENAME COLUMN {column} TO {ShardSql.Quote(step.NewName!)}");
                    break;
                case EvolutionStepKind.DropColumn:
                    DuckDbCommands.Execute(connection, $"ALTER TABLE {table} DROP COLUMN {column}");
                    break;
                case EvolutionStepKind.CastType:
                    CastColumn(connection, dataset, partition, step);
                    break;
                case EvolutionStepKind.Metadata:
                    break;
                default:
                    throw new PartitionException(ErrorCodes.ContractBreaking, $"cannot apply '{step.Description}'");
            }
        }

        WriteIdentity(connection, dataset, partition, contract.Version, insert: false);
        return steps;
    }

    /// <summary>Compares the real columns with the contract; returns the physical column order.</summary>
    public static IReadOnlyList<string> CheckDrift(DuckDBConnection connection, DatasetDefinition dataset)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $table ORDER BY ordinal_position";
        command.Parameters.Add(new DuckDBParameter("table", dataset.Name));
        var actual = new List<(string Name, string Type, bool Nullable)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                actual.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2) == "YES"));
            }
        }

        var problems = new List<string>();
        if (actual.Count == 0)
        {
            problems.Add($"table '{dataset.Name}' is missing");
        }

        foreach (var column in dataset.Columns)
        {
            var expectedType = ShardSql.DuckDbType(column.Type);
            var found = actual.FindIndex(a => a.Name == column.Name);
            if (found < 0)
            {
                problems.Add($"column '{column.Name}' is missing");
            }
            else if (actual[found].Type != expectedType)
            {
                problems.Add($"column '{column.Name}' is {actual[found].Type}, the contract says {expectedType}");
            }
            else if (actual[found].Nullable != column.Nullable)
            {
                problems.Add($"column '{column.Name}' is {(actual[found].Nullable ? "nullable" : "NOT NULL")}, the contract says {(column.Nullable ? "nullable" : "required")}");
            }
        }

        problems.AddRange(actual.Where(a => !dataset.TryGetColumn(a.Name, out _)).Select(a => $"column '{a.Name}' ({a.Type}) is not in the contract"));
        if (problems.Count > 0)
        {
            throw new PartitionException(ErrorCodes.ShardDrift, $"shard of '{dataset.Name}' has drifted from the contract: {string.Join("; ", problems)}");
        }

        return actual.Select(a => a.Name).ToList();
    }

    // Every existing row must convert, and convert exactly: a value the cast would round or cannot
    // parse aborts the migration on this shard (the caller's transaction rolls back).
    private static void CastColumn(DuckDBConnection connection, DatasetDefinition dataset, int partition, EvolutionStep step)
    {
        var table = ShardSql.Quote(dataset.Name);
        var column = ShardSql.Quote(step.Column!);
        var target = ShardSql.DuckDbType(step.NewType!);
        var sourceType = CurrentType(connection, dataset.Name, step.Column!);
        var exact = sourceType == "VARCHAR"
            ? $"TRY_CAST({column} AS {target}) IS NULL"
            : $"TRY_CAST({column} AS {target}) IS NULL OR TRY_CAST(TRY_CAST({column} AS {target}) AS {sourceType}) IS DISTINCT FROM {column}";
        using (var check = connection.CreateCommand())
        {
            check.CommandText = $"SELECT CAST({column} AS VARCHAR), count(*) OVER () FROM {table} WHERE {column} IS NOT NULL AND ({exact}) LIMIT 1";
            using var reader = check.ExecuteReader();
            if (reader.Read())
            {
                var example = reader.GetString(0);
                throw new PartitionException(ErrorCodes.MigrationFailed,
                    string.Create(CultureInfo.InvariantCulture,
                        $"shard {dataset.Name}/{partition}: {step.Description} aborted; {reader.GetInt64(1)} row(s) do not convert exactly, e.g. '{DisplayText.Shorten(example, DisplayText.MaxValue)}'; the shard is unchanged"));
            }
        }

        DuckDbCommands.Execute(connection, $"ALTER TABLE {table} ALTER COLUMN {column} SET DATA TYPE {target} USING CAST({column} AS {target})");
    }

    private static string CurrentType(DuckDBConnection connection, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $table AND column_name = $column";
        command.Parameters.Add(new DuckDBParameter("table", table));
        command.Parameters.Add(new DuckDBParameter("column", column));
        return command.ExecuteScalar() as string ?? throw new PartitionException(ErrorCodes.ShardDrift, $"column '{column}' is missing from table '{table}'");
    }

    private static (string Dataset, int Partition, int ContractVersion, string DefinitionHash, string Definition)? ReadIdentity(DuckDBConnection connection)
    {
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT dataset, partition, contract_version, definition_hash, definition FROM {ShardSql.ShardTable}";
        using var reader = select.ExecuteReader();
        return reader.Read()
            ? (reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4))
            : null;
    }

    private static void WriteIdentity(DuckDBConnection connection, DatasetDefinition dataset, int partition, int version, bool insert)
    {
        using var command = connection.CreateCommand();
        command.CommandText = insert
            ? $"INSERT INTO {ShardSql.ShardTable} VALUES ($dataset, $partition, $version, $hash, $definition, $at, $at)"
            : $"UPDATE {ShardSql.ShardTable} SET contract_version = $version, definition_hash = $hash, definition = $definition, updated_at = $at WHERE dataset = $dataset AND partition = $partition";
        command.Parameters.Add(new DuckDBParameter("dataset", dataset.Name));
        command.Parameters.Add(new DuckDBParameter("partition", partition));
        command.Parameters.Add(new DuckDBParameter("version", version));
        command.Parameters.Add(new DuckDBParameter("hash", dataset.Hash));
        command.Parameters.Add(new DuckDBParameter("definition", DefinitionHash.CanonicalJson(dataset)));
        command.Parameters.Add(new DuckDBParameter("at", DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified)));
        command.ExecuteNonQuery();
    }
}

using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// Builds the SQL a shard runs. Identifiers come only from the validated contract and are quoted;
/// every value is a bound parameter.
/// </summary>
internal static class ShardSql
{
    public const string LedgerTable = "_mallard_batches";
    public const string ShardTable = "_mallard_shard";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string DuckDbType(ColumnType type) => type.Kind switch
    {
        ColumnKind.String => "VARCHAR",
        ColumnKind.Bool => "BOOLEAN",
        ColumnKind.Int32 => "INTEGER",
        ColumnKind.Int64 => "BIGINT",
        ColumnKind.Float64 => "DOUBLE",
        ColumnKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"DECIMAL({type.Precision},{type.Scale})"),
        ColumnKind.Timestamp => "TIMESTAMP",
        ColumnKind.Date => "DATE",
        ColumnKind.Uuid => "UUID",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string CreateDataTable(DatasetDefinition dataset)
    {
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {Quote(dataset.Name)} (");
        for (var i = 0; i < dataset.Columns.Count; i++)
        {
            var column = dataset.Columns[i];
            sql.Append(i == 0 ? "" : ", ").Append(Quote(column.Name)).Append(' ').Append(DuckDbType(column.Type));
            if (!column.Nullable)
            {
                sql.Append(" NOT NULL");
            }
        }

        return sql.Append(')').ToString();
    }

    public const string StagingTable = "_mallard_staging";
    public const string KeyIndex = "_mallard_key";

    public static string CreateLedgerTable =>
        $"CREATE TABLE IF NOT EXISTS {LedgerTable} (batch_id VARCHAR PRIMARY KEY, partition INTEGER NOT NULL, request_hash VARCHAR NOT NULL, "
        + "accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL, duplicate_indexes VARCHAR NOT NULL, committed_at TIMESTAMP NOT NULL)";

    public static string CreateStagingTable(DatasetDefinition dataset) =>
        $"CREATE OR REPLACE TEMP TABLE {StagingTable} AS SELECT * FROM main.{Quote(dataset.Name)} LIMIT 0";

    public static string CreateKeyIndex(DatasetDefinition dataset) =>
        $"CREATE UNIQUE INDEX IF NOT EXISTS {KeyIndex} ON {Quote(dataset.Name)} ({string.Join(", ", dataset.Key.Select(Quote))})";

    public static string DropKeyIndex => $"DROP INDEX IF EXISTS {KeyIndex}";

    /// <summary>
    /// Moves staged rows into the table, skipping keys already stored, and returns the keys it
    /// inserted. Without a window the unique index finds conflicts; with one, only rows whose event
    /// time lies within the window of a staged row's are compared (the bounds prune by zone map).
    /// </summary>
    public static string InsertStaged(DatasetDefinition dataset)
    {
        var table = Quote(dataset.Name);
        var returning = string.Join(", ", dataset.Key.Select(Quote));
        if (dataset.DedupWindow is not { } window)
        {
            return $"INSERT INTO {table} SELECT * FROM {StagingTable} ON CONFLICT DO NOTHING RETURNING {returning}";
        }

        var time = Quote(dataset.TimeColumn!);
        var seconds = ((long)window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var keysMatch = string.Join(" AND ", dataset.Key.Select(k => $"t.{Quote(k)} = s.{Quote(k)}"));
        return $"INSERT INTO {table} SELECT s.* FROM {StagingTable} s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {keysMatch} "
            + $"AND t.{time} BETWEEN s.{time} - INTERVAL {seconds} SECOND AND s.{time} + INTERVAL {seconds} SECOND "
            + $"AND t.{time} BETWEEN $lower AND $upper) RETURNING {returning}";
    }

    public const string FenceTable = "_mallard_fence";

    /// <summary>One row: the newest fencing epoch an activation stamped into this shard.</summary>
    public static string CreateFenceTable =>
        $"CREATE TABLE IF NOT EXISTS {FenceTable} (epoch BIGINT NOT NULL, ordinal INTEGER NOT NULL, stamped_at TIMESTAMP NOT NULL)";

    public static string CreateShardTable =>
        $"CREATE TABLE IF NOT EXISTS {ShardTable} (dataset VARCHAR NOT NULL, partition INTEGER NOT NULL, contract_version INTEGER NOT NULL, "
        + "definition_hash VARCHAR NOT NULL, definition VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)";

    /// <summary>Builds the SQL and parameters for one partition's share of a query.</summary>
    public static (string Sql, List<DuckDBParameter> Parameters, ResultColumn[] Columns) Build(
        DatasetDefinition dataset, PartitionQuery query, int maxGroups)
    {
        var parameters = new List<DuckDBParameter>();
        var where = BuildWhere(dataset, query.Filters, parameters);
        var table = Quote(dataset.Name);
        var columns = new List<ResultColumn>();
        var select = new List<string>();

        if (query.IsAggregate)
        {
            foreach (var name in query.GroupBy)
            {
                var column = RequireColumn(dataset, name);
                select.Add(Quote(name));
                columns.Add(new ResultColumn(name, column.Type));
            }

            foreach (var aggregate in query.Aggregates)
            {
                AddAggregate(dataset, aggregate, select, columns);
            }

            var groupBy = query.GroupBy.Length == 0 ? "" : " GROUP BY " + string.Join(", ", query.GroupBy.Select(Quote));
            // One more than the cap, so an over-wide result is detected rather than silently cut.
            var sql = $"SELECT {string.Join(", ", select)} FROM {table}{where}{groupBy} LIMIT {maxGroups + 1}";
            return (sql, parameters, columns.ToArray());
        }

        foreach (var name in query.Select)
        {
            select.Add(Quote(name));
            columns.Add(new ResultColumn(name, RequireColumn(dataset, name).Type));
        }

        foreach (var order in query.OrderBy)
        {
            if (!query.Select.Contains(order.Column, StringComparer.Ordinal) && !columns.Any(c => c.Name == order.Column))
            {
                select.Add(Quote(order.Column));
                columns.Add(new ResultColumn(order.Column, RequireColumn(dataset, order.Column).Type));
            }
        }

        var orderBy = query.OrderBy.Length == 0
            ? ""
            : " ORDER BY " + string.Join(", ", query.OrderBy.Select(o => $"{Quote(o.Column)} {(o.Descending ? "DESC" : "ASC")} NULLS LAST"));
        var rawSql = $"SELECT {string.Join(", ", select)} FROM {table}{where}{orderBy} LIMIT {query.Limit.ToString(CultureInfo.InvariantCulture)}";
        return (rawSql, parameters, columns.ToArray());
    }

    private static void AddAggregate(DatasetDefinition dataset, QueryAggregate aggregate, List<string> select, List<ResultColumn> columns)
    {
        if (aggregate.Column is null)
        {
            if (aggregate.Function != AggregateFunction.Count)
            {
                throw new PartitionException("bad_query", $"aggregate '{aggregate.Alias}' needs a column");
            }

            select.Add("count(*)");
            columns.Add(new ResultColumn(aggregate.Alias, ColumnType.Int64));
            return;
        }

        var column = RequireColumn(dataset, aggregate.Column);
        var name = Quote(column.Name);
        switch (aggregate.Function)
        {
            case AggregateFunction.Count:
                select.Add($"count({name})");
                columns.Add(new ResultColumn(aggregate.Alias, ColumnType.Int64));
                break;
            case AggregateFunction.Sum:
                var sumType = SumType(column.Type);
                select.Add($"CAST(sum({name}) AS {DuckDbType(sumType)})");
                columns.Add(new ResultColumn(aggregate.Alias, sumType));
                break;
            case AggregateFunction.Min or AggregateFunction.Max:
                select.Add($"{(aggregate.Function == AggregateFunction.Min ? "min" : "max")}({name})");
                columns.Add(new ResultColumn(aggregate.Alias, column.Type));
                break;
            case AggregateFunction.Avg:
                select.Add($"avg({name})::DOUBLE");
                columns.Add(new ResultColumn(aggregate.Alias + "$avg", ColumnType.Float64));
                select.Add($"count({name})");
                columns.Add(new ResultColumn(aggregate.Alias + "$count", ColumnType.Int64));
                break;
            default:
                throw new PartitionException("bad_query", $"unknown aggregate {aggregate.Function}");
        }
    }

    /// <summary>The type a sum of <paramref name="type"/> is computed and returned in.</summary>
    public static ColumnType SumType(ColumnType type) => type.Kind switch
    {
        ColumnKind.Int32 or ColumnKind.Int64 => ColumnType.Int64,
        ColumnKind.Float64 => ColumnType.Float64,
        ColumnKind.Decimal => ColumnType.Decimal(ColumnType.MaxDecimalPrecision, type.Scale),
        _ => throw new PartitionException("bad_query", $"sum needs a numeric column, not {type}"),
    };

    private static string BuildWhere(DatasetDefinition dataset, QueryFilter[] filters, List<DuckDBParameter> parameters)
    {
        if (filters.Length == 0)
        {
            return "";
        }

        var conditions = new List<string>();
        foreach (var filter in filters)
        {
            var column = RequireColumn(dataset, filter.Column);
            var name = Quote(column.Name);
            switch (filter.Operator)
            {
                case FilterOperator.IsNull:
                    conditions.Add($"{name} IS NULL");
                    continue;
                case FilterOperator.NotNull:
                    conditions.Add($"{name} IS NOT NULL");
                    continue;
            }

            var values = filter.Values ?? throw new PartitionException("bad_query", $"filter on '{filter.Column}' needs a value");
            var placeholders = new List<string>();
            for (var row = 0; row < values.Count; row++)
            {
                var parameterName = "p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
                parameters.Add(new DuckDBParameter(parameterName, ParameterValue(column.Type, values, row)));
                placeholders.Add($"CAST(${parameterName} AS {DuckDbType(column.Type)})");
            }

            var op = filter.Operator switch
            {
                FilterOperator.Eq => "=",
                FilterOperator.Ne => "<>",
                FilterOperator.Lt => "<",
                FilterOperator.Lte => "<=",
                FilterOperator.Gt => ">",
                FilterOperator.Gte => ">=",
                FilterOperator.In => "IN",
                _ => throw new PartitionException("bad_query", $"unknown operator {filter.Operator}"),
            };

            if (filter.Operator == FilterOperator.In)
            {
                conditions.Add(placeholders.Count == 0 ? "FALSE" : $"{name} IN ({string.Join(", ", placeholders)})");
            }
            else
            {
                conditions.Add($"{name} {op} {placeholders[0]}");
            }
        }

        return " WHERE " + string.Join(" AND ", conditions);
    }

    private static object? ParameterValue(ColumnType type, ColumnVector values, int row)
    {
        if (values.IsNull(row))
        {
            return null;
        }

        return type.Kind switch
        {
            ColumnKind.Timestamp => DateTime.SpecifyKind(ValueText.TimestampToDateTime(values.Int64s![row]), DateTimeKind.Unspecified),
            ColumnKind.Date => ValueText.DateToDateOnly(values.Int32s![row]),
            _ => values.GetValue(row),
        };
    }

    private static ColumnDefinition RequireColumn(DatasetDefinition dataset, string name) =>
        dataset.TryGetColumn(name, out var column)
            ? column
            : throw new PartitionException("bad_query", $"dataset '{dataset.Name}' has no column '{name}'");
}

using System.Globalization;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>The SQL of one partition's share of a query.</summary>
internal static partial class ShardSql
{
    /// <summary>
    /// Builds the SQL and parameters for one partition's share of a query; with
    /// <paramref name="rowid"/>, only that row is read (DuckDB finds it without a scan).
    /// </summary>
    public static (string Sql, List<DuckDBParameter> Parameters, ResultColumn[] Columns) Build(
        DatasetDefinition dataset, PartitionQuery query, int maxGroups, long? rowid = null)
    {
        var parameters = new List<DuckDBParameter>();
        var where = BuildWhere(dataset, query.Filters, parameters);

        // DuckDB fetches a row by rowid only when rowid is the scan's one filter: the query's own
        // filters apply to the row it fetched.
        var table = rowid is { } row
            ? string.Create(CultureInfo.InvariantCulture, $"(SELECT * FROM {Quote(dataset.Name)} WHERE rowid = {row}) AS {Quote(dataset.Name)}")
            : Quote(dataset.Name);
        if (query.IsAggregate)
        {
            var layout = PartialAggregateLayout.For(dataset, query);
            var select = layout.Columns.Select(c => AggregateSql(query, c)).ToArray();
            var groupBy = query.GroupBy.Length == 0 ? "" : " GROUP BY " + string.Join(", ", query.GroupBy.Select(Quote));
            // One more than the cap, so an over-wide result is detected rather than silently cut.
            var sql = $"SELECT {string.Join(", ", select)} FROM {table}{where}{groupBy} LIMIT {maxGroups + 1}";
            return (sql, parameters, layout.Columns.Select(c => c.Column).ToArray());
        }

        var columns = new List<ResultColumn>();
        var rawSelect = new List<string>();
        foreach (var name in query.Select)
        {
            rawSelect.Add(Quote(name));
            columns.Add(new ResultColumn(name, RequireColumn(dataset, name).Type));
        }

        foreach (var order in query.OrderBy)
        {
            if (!query.Select.Contains(order.Column, StringComparer.Ordinal) && !columns.Any(c => c.Name == order.Column))
            {
                rawSelect.Add(Quote(order.Column));
                columns.Add(new ResultColumn(order.Column, RequireColumn(dataset, order.Column).Type));
            }
        }

        var orderBy = query.OrderBy.Length == 0
            ? ""
            : " ORDER BY " + string.Join(", ", query.OrderBy.Select(o => $"{Quote(o.Column)} {(o.Descending ? "DESC" : "ASC")} NULLS LAST"));
        var rawSql = $"SELECT {string.Join(", ", rawSelect)} FROM {table}{where}{orderBy} LIMIT {query.Limit.ToString(CultureInfo.InvariantCulture)}";
        return (rawSql, parameters, columns.ToArray());
    }

    // The SQL of one column of the partial layout: the shard computes what the gateway merges.
    private static string AggregateSql(PartitionQuery query, PartialColumn column)
    {
        if (column.Role == PartialColumnRole.Group)
        {
            return Quote(column.Column.Name);
        }

        var aggregate = query.Aggregates[column.Aggregate];
        var operand = aggregate.Column is null ? "*" : Quote(aggregate.Column);
        return (column.Role, aggregate.Function) switch
        {
            (PartialColumnRole.Mean, _) => $"avg({operand})::DOUBLE",
            (PartialColumnRole.MeanCount, _) or (_, AggregateFunction.Count) => $"count({operand})",
            (_, AggregateFunction.Sum) => $"CAST(sum({operand}) AS {DuckDbType(column.Column.Type)})",
            (_, AggregateFunction.Min) => $"min({operand})",
            (_, AggregateFunction.Max) => $"max({operand})",
            _ => throw new PartitionException(ErrorCodes.BadQuery, $"unknown aggregate {aggregate.Function}"),
        };
    }

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

            var values = filter.Values ?? throw new PartitionException(ErrorCodes.BadQuery, $"filter on '{filter.Column}' needs a value");
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
                _ => throw new PartitionException(ErrorCodes.BadQuery, $"unknown operator {filter.Operator}"),
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
            : throw new PartitionException(ErrorCodes.BadQuery, $"dataset '{dataset.Name}' has no column '{name}'");
}

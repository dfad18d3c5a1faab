using System.Text.Json;
using Mallard.Api.Encoding;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary>
/// Validates a query body against the contract and turns it into a <see cref="PartitionQuery"/>.
/// Every refusal is a <see cref="QueryException"/> whose message says what to fix.
/// </summary>
public static class QueryParser
{
    /// <summary>Default row limit.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Largest row limit.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>The fields of a query body (the OpenAPI document's <c>Query</c> schema lists the same).</summary>
    public static readonly IReadOnlyList<string> Fields = ["filter", "select", "groupBy", "aggregates", "orderBy", "limit", "allowPartial"];

    /// <summary>A filter's operators by their name in a query (the OpenAPI document's <c>Filter.op</c> enum).</summary>
    public static readonly IReadOnlyDictionary<string, FilterOperator> FilterOperators = new Dictionary<string, FilterOperator>(StringComparer.Ordinal)
    {
        ["eq"] = FilterOperator.Eq,
        ["ne"] = FilterOperator.Ne,
        ["lt"] = FilterOperator.Lt,
        ["lte"] = FilterOperator.Lte,
        ["gt"] = FilterOperator.Gt,
        ["gte"] = FilterOperator.Gte,
        ["in"] = FilterOperator.In,
        ["isNull"] = FilterOperator.IsNull,
        ["notNull"] = FilterOperator.NotNull,
    };

    /// <summary>The aggregate functions by their name in a query (the OpenAPI document's <c>Aggregate.fn</c> enum).</summary>
    public static readonly IReadOnlyDictionary<string, AggregateFunction> AggregateFunctions = new Dictionary<string, AggregateFunction>(StringComparer.Ordinal)
    {
        ["count"] = AggregateFunction.Count,
        ["sum"] = AggregateFunction.Sum,
        ["min"] = AggregateFunction.Min,
        ["max"] = AggregateFunction.Max,
        ["avg"] = AggregateFunction.Avg,
    };

    /// <summary>Parses and validates a query body, including the gateway's own <c>allowPartial</c>.</summary>
    /// <exception cref="QueryException">The query is invalid.</exception>
    public static QueryRequest ParseRequest(DatasetDefinition dataset, ContractStamp contract, JsonElement root, int maxInValues, int maxQueryValues = 10_000)
    {
        var query = Parse(dataset, contract, root, maxInValues, maxQueryValues);
        var allowPartial = root.TryGetProperty("allowPartial", out var element) && element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new QueryException("'allowPartial' must be true or false"),
        };
        return new QueryRequest(query, allowPartial);
    }

    /// <summary>Parses and validates a query.</summary>
    /// <exception cref="QueryException">The query is invalid.</exception>
    public static PartitionQuery Parse(DatasetDefinition dataset, ContractStamp contract, JsonElement root, int maxInValues, int maxQueryValues = 10_000)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new QueryException("the query must be a JSON object");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new QueryException($"unknown query field '{property.Name}' (allowed: {string.Join(", ", Fields)})");
            }
        }

        var filters = ParseFilters(dataset, root, maxInValues, maxQueryValues);
        var groupBy = StringList(root, "groupBy").Select(c => RequireColumn(dataset, c, "groupBy").Name).ToArray();
        if (groupBy.Distinct(StringComparer.Ordinal).Count() != groupBy.Length)
        {
            throw new QueryException("groupBy names a column twice");
        }

        var aggregates = ParseAggregates(dataset, root, groupBy);
        var isAggregate = groupBy.Length > 0 || aggregates.Length > 0;
        string[] select;
        if (root.TryGetProperty("select", out _))
        {
            if (isAggregate)
            {
                throw new QueryException("'select' is for raw rows; an aggregate query returns its groupBy columns and aggregates");
            }

            select = StringList(root, "select").Select(c => RequireColumn(dataset, c, "select").Name).ToArray();
            if (select.Length == 0)
            {
                throw new QueryException("'select' must name at least one column");
            }

            if (select.Distinct(StringComparer.Ordinal).Count() != select.Length)
            {
                throw new QueryException("'select' names a column twice");
            }
        }
        else
        {
            select = isAggregate ? [] : dataset.Columns.Select(c => c.Name).ToArray();
        }

        var outputNames = isAggregate ? groupBy.Concat(aggregates.Select(a => a.Alias)).ToHashSet(StringComparer.Ordinal) : null;
        var orderBy = ParseOrderBy(dataset, root, outputNames);
        var limit = DefaultLimit;
        if (root.TryGetProperty("limit", out var limitElement))
        {
            if (limitElement.ValueKind != JsonValueKind.Number || !limitElement.TryGetInt32(out limit) || limit < 1 || limit > MaxLimit)
            {
                throw new QueryException($"'limit' must be an integer from 1 to {MaxLimit}");
            }
        }

        return new PartitionQuery(dataset.Name, filters, select, groupBy, aggregates, orderBy, limit, contract);
    }

    private static QueryFilter[] ParseFilters(DatasetDefinition dataset, JsonElement root, int maxInValues, int maxQueryValues)
    {
        if (!root.TryGetProperty("filter", out var filterElement))
        {
            return [];
        }

        if (filterElement.ValueKind != JsonValueKind.Array)
        {
            throw new QueryException("'filter' must be an array of {column, op, value} conditions");
        }

        var filters = new List<QueryFilter>();
        var position = 0;

        // Every condition binds at least one value (or one NULL test): bounded as a whole, so no
        // query makes a statement with unbounded parameters.
        var bound = 0;
        foreach (var item in filterElement.EnumerateArray())
        {
            var where = $"filter[{position++}]";
            bound += item.ValueKind == JsonValueKind.Object && item.TryGetProperty("value", out var counted) && counted.ValueKind == JsonValueKind.Array ? Math.Max(1, counted.GetArrayLength()) : 1;
            if (bound > maxQueryValues)
            {
                throw new QueryException($"the filter binds more than {maxQueryValues} values in all (Mallard:Gateway:MaxQueryValues); narrow it or split the query");
            }

            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new QueryException($"{where} must be an object");
            }

            foreach (var property in item.EnumerateObject())
            {
                if (property.Name is not ("column" or "op" or "value"))
                {
                    throw new QueryException($"{where} has unknown field '{property.Name}' (allowed: column, op, value)");
                }
            }

            var column = RequireColumn(dataset, RequiredString(item, "column", where), where);
            var opText = RequiredString(item, "op", where);
            if (!FilterOperators.TryGetValue(opText, out var op))
            {
                throw new QueryException($"{where}: unknown op '{opText}' (allowed: {string.Join(" ", FilterOperators.Keys)})");
            }

            var hasValue = item.TryGetProperty("value", out var value);
            if (op is FilterOperator.IsNull or FilterOperator.NotNull)
            {
                if (hasValue)
                {
                    throw new QueryException($"{where}: '{(op == FilterOperator.IsNull ? "isNull" : "notNull")}' takes no value");
                }

                filters.Add(new QueryFilter(column.Name, op, null));
                continue;
            }

            if (!hasValue)
            {
                throw new QueryException($"{where}: op needs a 'value'");
            }

            var builder = new ColumnVectorBuilder(column.Type.Kind);
            if (op == FilterOperator.In)
            {
                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw new QueryException($"{where}: 'in' needs an array value");
                }

                if (value.GetArrayLength() > maxInValues)
                {
                    throw new QueryException($"{where}: 'in' takes at most {maxInValues} values");
                }

                var index = 0;
                foreach (var element in value.EnumerateArray())
                {
                    AppendValue(column, element, builder, $"{where}.value[{index++}]");
                }
            }
            else
            {
                AppendValue(column, value, builder, $"{where}.value");
            }

            filters.Add(new QueryFilter(column.Name, op, builder.Build()));
        }

        return filters.ToArray();
    }

    private static void AppendValue(ColumnDefinition column, JsonElement element, ColumnVectorBuilder builder, string where)
    {
        var token = element.ValueKind switch
        {
            JsonValueKind.String => JsonTokenType.String,
            JsonValueKind.Number => JsonTokenType.Number,
            JsonValueKind.True => JsonTokenType.True,
            JsonValueKind.False => JsonTokenType.False,
            JsonValueKind.Null => throw new QueryException($"{where}: null never compares equal; use op isNull or notNull"),
            _ => throw new QueryException($"{where}: expected a {column.Type} value for '{column.Name}'"),
        };
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!,
            JsonValueKind.Number => element.GetRawText(),
            _ => "",
        };
        if (JsonValueParser.TryAppend(column.Type, token, text, builder) is { } error)
        {
            throw new QueryException($"{where} for '{column.Name}' ({column.Type}): {error.Message}");
        }
    }

    private static QueryAggregate[] ParseAggregates(DatasetDefinition dataset, JsonElement root, string[] groupBy)
    {
        if (!root.TryGetProperty("aggregates", out var element))
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new QueryException("'aggregates' must be an array of {fn, column, as}");
        }

        var aggregates = new List<QueryAggregate>();
        var position = 0;
        foreach (var item in element.EnumerateArray())
        {
            var where = $"aggregates[{position++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new QueryException($"{where} must be an object");
            }

            foreach (var property in item.EnumerateObject())
            {
                if (property.Name is not ("fn" or "column" or "as"))
                {
                    throw new QueryException($"{where} has unknown field '{property.Name}' (allowed: fn, column, as)");
                }
            }

            var fnText = RequiredString(item, "fn", where);
            if (!AggregateFunctions.TryGetValue(fnText, out var fn))
            {
                throw new QueryException($"{where}: unknown fn '{fnText}' (allowed: {string.Join(" ", AggregateFunctions.Keys)})");
            }

            ColumnDefinition? column = null;
            if (item.TryGetProperty("column", out _))
            {
                column = RequireColumn(dataset, RequiredString(item, "column", where), where);
            }
            else if (fn != AggregateFunction.Count)
            {
                throw new QueryException($"{where}: '{fnText}' needs a 'column'");
            }

            if (column is not null && !AggregateTypes.Accepts(fn, column.Type))
            {
                throw new QueryException($"{where}: cannot {fnText} '{column.Name}', which is {column.Type}; {fnText} needs int32, int64, float64 or decimal");
            }

            var alias = item.TryGetProperty("as", out _)
                ? RequiredString(item, "as", where)
                : column is null ? fnText : $"{fnText}_{column.Name}";
            if (!ContractLoader.IsIdentifier(alias))
            {
                throw new QueryException($"{where}: alias '{alias}' is not a valid name ([a-z][a-z0-9_]*)");
            }

            if (groupBy.Contains(alias, StringComparer.Ordinal) || aggregates.Any(a => a.Alias == alias))
            {
                throw new QueryException($"{where}: output name '{alias}' is used twice");
            }

            aggregates.Add(new QueryAggregate(fn, column?.Name, alias));
        }

        return aggregates.ToArray();
    }

    private static QueryOrder[] ParseOrderBy(DatasetDefinition dataset, JsonElement root, HashSet<string>? outputNames)
    {
        if (!root.TryGetProperty("orderBy", out var element))
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new QueryException("'orderBy' must be an array of {column, desc}");
        }

        var orders = new List<QueryOrder>();
        var position = 0;
        foreach (var item in element.EnumerateArray())
        {
            var where = $"orderBy[{position++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new QueryException($"{where} must be an object");
            }

            foreach (var property in item.EnumerateObject())
            {
                if (property.Name is not ("column" or "desc"))
                {
                    throw new QueryException($"{where} has unknown field '{property.Name}' (allowed: column, desc)");
                }
            }

            var name = RequiredString(item, "column", where);
            if (outputNames is not null)
            {
                if (!outputNames.Contains(name))
                {
                    throw new QueryException($"{where}: '{name}' is not an output column; order an aggregate query by its groupBy columns or aggregate names");
                }
            }
            else
            {
                RequireColumn(dataset, name, where);
            }

            var descending = false;
            if (item.TryGetProperty("desc", out var desc))
            {
                descending = desc.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new QueryException($"{where}: 'desc' must be true or false"),
                };
            }

            orders.Add(new QueryOrder(name, descending));
        }

        return orders.ToArray();
    }

    private static string[] StringList(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var element))
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new QueryException($"'{name}' must be an array of column names");
        }

        return element.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private static string RequiredString(JsonElement item, string name, string where) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new QueryException($"{where}: '{name}' must be a string");

    private static ColumnDefinition RequireColumn(DatasetDefinition dataset, string name, string where) =>
        dataset.TryGetColumn(name, out var column)
            ? column
            : throw new QueryException($"{where}: '{DisplayText.Shorten(name)}' is not a column of '{dataset.Name}'");
}

using System.Text.Json.Nodes;
using Mallard.Api.Querying;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.OpenApi;

namespace Mallard.Api.OpenApi;

/// <summary>The schemas every dataset shares: problems, record errors, the query language and its answer.</summary>
public static class SharedSchemas
{
    public const string Problem = "Problem";
    public const string ValidationProblem = "ValidationProblem";
    public const string RecordError = "RecordError";
    public const string ErrorCode = "ErrorCode";
    public const string RecordErrorCode = "RecordErrorCode";
    public const string Query = "Query";
    public const string Filter = "Filter";
    public const string Aggregate = "Aggregate";
    public const string OrderBy = "OrderBy";
    public const string QueryResult = "QueryResult";
    public const string ResultColumn = "ResultColumn";
    public const string ColumnTypeName = "ColumnTypeName";

    /// <summary>The shared component schemas, by name.</summary>
    public static IEnumerable<(string Name, IOpenApiSchema Schema)> Create(OpenApiDocument document, ContractDefinition contract)
    {
        IOpenApiSchema Ref(string name) => new OpenApiSchemaReference(name, document);
        static OpenApiSchema Text(string? description = null) => new() { Type = JsonSchemaType.String, Description = description };
        static OpenApiSchema Integer(string? description = null) => new() { Type = JsonSchemaType.Integer, Format = "int32", Description = description };
        static OpenApiSchema Bool(string? description = null) => new() { Type = JsonSchemaType.Boolean, Description = description };
        static OpenApiSchema Enum(IEnumerable<string> values, string description) => new() { Type = JsonSchemaType.String, Description = description, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v)!)] };
        OpenApiSchema ArrayOf(IOpenApiSchema items, string? description = null) => new() { Type = JsonSchemaType.Array, Items = items, Description = description };
        OpenApiSchema Columns(string description) => ArrayOf(Text(), description);

        yield return (ErrorCode, Enum(ErrorCatalog.All.Select(d => d.Code), "Every problem code the gateway answers with (docs/errors.md)."));
        yield return (RecordErrorCode, Enum(ErrorCatalog.RecordErrors.Select(e => e.Code), "Why one field or record of a batch was refused (docs/errors.md, \"Record errors\")."));
        yield return (Problem, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Every error is application/problem+json (RFC 9457) with a stable `code`; some codes add fields (for example `batchId`, `committedPartitions`, `failedPartitions`).",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = Text("A URI naming the problem code."),
                ["title"] = Text(),
                ["status"] = Integer(),
                ["detail"] = Text("What went wrong and what to do, naming the limit, field or partition."),
                ["code"] = Ref(ErrorCode),
                ["traceId"] = Text("The W3C trace id of the request."),
            },
            Required = new HashSet<string>(["type", "title", "status", "detail", "code"]),
            AdditionalProperties = new OpenApiSchema(),
        });
        yield return (RecordError, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Why one field of one record was refused.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["index"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32", Description = "The record's position in the batch (0-based); null for an Arrow stream's column." },
                ["field"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The field, or null for the whole record." },
                ["code"] = Ref(RecordErrorCode),
                ["message"] = Text(),
            },
            Required = new HashSet<string>(["index", "field", "code", "message"]),
        });
        yield return (ValidationProblem, new OpenApiSchema
        {
            Description = "The 422 answer to a batch with invalid records: nothing was written.",
            AllOf =
            [
                Ref(Problem),
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                    {
                        ["errors"] = ArrayOf(Ref(RecordError), "The first errors, in record order."),
                        ["totalErrors"] = Integer("How many errors the batch has in all."),
                    },
                    Required = new HashSet<string>(["errors", "totalErrors"]),
                },
            ],
        });
        yield return (ColumnTypeName, new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "A contract type: string, bool, int32, int64, float64, decimal(P,S), timestamp, date or uuid.",
            Pattern = "^(string|bool|int32|int64|float64|timestamp|date|uuid|decimal\\([0-9]{1,2},[0-9]{1,2}\\))$",
        });
        yield return (Filter, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One condition; all conditions must hold. `in` takes an array (up to Mallard:Query:MaxInValues values), `isNull` and `notNull` no value. Values are written as the column's JSON encoding.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["column"] = Text(),
                ["op"] = Enum(QueryParser.FilterOperators.Keys, "The comparison."),
                ["value"] = new OpenApiSchema { Description = "The operand: a value of the column's type, or an array of them for `in`." },
            },
            Required = new HashSet<string>(["column", "op"]),
            AdditionalPropertiesAllowed = false,
        });
        yield return (Aggregate, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An aggregate; `count` without a column counts rows. Sums of int64 are exact and checked; results keep the column's encoding.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["fn"] = Enum(QueryParser.AggregateFunctions.Keys, "The function."),
                ["column"] = Text(),
                ["as"] = Text("The result column's name."),
            },
            Required = new HashSet<string>(["fn"]),
            AdditionalPropertiesAllowed = false,
        });
        yield return (OrderBy, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A sort key (a column, or an aggregate's name); nulls sort last.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["column"] = Text(),
                ["desc"] = Bool(),
            },
            Required = new HashSet<string>(["column"]),
            AdditionalPropertiesAllowed = false,
        });
        yield return (Query, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Raw rows (`select`) or an aggregate (`groupBy`/`aggregates`) of one dataset, merged exactly over its partitions.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["select"] = Columns("Columns to return (default: all)."),
                ["filter"] = ArrayOf(Ref(Filter)),
                ["groupBy"] = Columns("Columns to group by."),
                ["aggregates"] = ArrayOf(Ref(Aggregate)),
                ["orderBy"] = ArrayOf(Ref(OrderBy)),
                ["limit"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = QueryParser.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), Description = "Rows to return; default 100." },
                ["allowPartial"] = Bool("Answer from the partitions that are available instead of 503 when some are not."),
            },
            AdditionalPropertiesAllowed = false,
        });
        yield return (ResultColumn, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["name"] = Text(),
                ["type"] = Ref(ColumnTypeName),
            },
            Required = new HashSet<string>(["name", "type"]),
        });
        yield return (QueryResult, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = $"The answer to a query. A row without `select` or aggregates is the dataset's `_row` schema ({string.Join(", ", contract.Datasets.Keys.Select(ContractSchemas.RowName))}); each value keeps its column's JSON encoding.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["columns"] = ArrayOf(Ref(ResultColumn), "The result's columns, in order."),
                ["rows"] = ArrayOf(
                    new OpenApiSchema { AnyOf = [.. contract.Datasets.Keys.Select(d => Ref(ContractSchemas.RowName(d))), new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema() }] },
                    "One object per row, keyed by column name: a dataset's full row, or the selected columns and aggregates."),
                ["partial"] = Bool("True when `allowPartial` was set and some partitions did not answer."),
                ["missingPartitions"] = ArrayOf(Integer(), "The partitions left out of a partial answer."),
                ["stats"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                    {
                        ["partitions"] = Integer("Partitions asked."),
                        ["elapsedMs"] = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" },
                    },
                    Required = new HashSet<string>(["partitions", "elapsedMs"]),
                },
            },
            Required = new HashSet<string>(["columns", "rows", "partial", "missingPartitions", "stats"]),
        });
    }
}

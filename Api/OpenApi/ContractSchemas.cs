using System.Globalization;
using System.Text.Json.Nodes;
using Mallard.Contract;
using Microsoft.OpenApi;

namespace Mallard.Api.OpenApi;

/// <summary>
/// The JSON Schema of each dataset, derived from the contract at start-up, so the document follows
/// every contract change: <c>{dataset}</c> is a record as ingest accepts it, <c>{dataset}_row</c>
/// a row as queries return it. int64 and decimal are strings with patterns (JSON numbers lose
/// digits), timestamps and dates carry their formats, nullable columns admit null.
/// </summary>
public static class ContractSchemas
{
    /// <summary>The component name of a dataset's record schema.</summary>
    public static string RecordName(string dataset) => dataset;

    /// <summary>The component name of a dataset's row schema.</summary>
    public static string RowName(string dataset) => dataset + "_row";

    /// <summary>A record as ingest accepts it: every non-nullable column required, no other field.</summary>
    public static OpenApiSchema Record(DatasetDefinition dataset) => new()
    {
        Type = JsonSchemaType.Object,
        Title = dataset.Name,
        Description = $"A record of `{dataset.Name}` as ingest accepts it. {dataset.Description}".TrimEnd() + " Nullable columns may be omitted.",
        Properties = dataset.Columns.ToDictionary(c => c.Name, c => (IOpenApiSchema)Column(c, forRow: false)),
        Required = new HashSet<string>(dataset.Columns.Where(c => !c.Nullable).Select(c => c.Name)),
        AdditionalPropertiesAllowed = false,
    };

    /// <summary>A full row as a query without <c>select</c> returns it: every column present.</summary>
    public static OpenApiSchema Row(DatasetDefinition dataset) => new()
    {
        Type = JsonSchemaType.Object,
        Title = RowName(dataset.Name),
        Description = $"A row of `{dataset.Name}` as queries return it (a `select` returns a subset of these fields).",
        Properties = dataset.Columns.ToDictionary(c => c.Name, c => (IOpenApiSchema)Column(c, forRow: true)),
        Required = new HashSet<string>(dataset.Columns.Select(c => c.Name)),
        AdditionalPropertiesAllowed = false,
    };

    /// <summary>The schema of one column's value; rows have canonical forms (six fractional digits, exactly S decimals).</summary>
    public static OpenApiSchema Column(ColumnDefinition column, bool forRow)
    {
        var type = column.Type;
        var schema = type.Kind switch
        {
            ColumnKind.String => new OpenApiSchema { Type = JsonSchemaType.String },
            ColumnKind.Bool => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            ColumnKind.Int32 => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = int.MinValue.ToString(CultureInfo.InvariantCulture), Maximum = int.MaxValue.ToString(CultureInfo.InvariantCulture) },
            ColumnKind.Int64 => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^-?[0-9]{1,19}$", Examples = [JsonValue.Create("9007199254740993")] },
            ColumnKind.Float64 => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" },
            ColumnKind.Decimal => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = DecimalPattern(type.Precision, type.Scale, forRow), Examples = [JsonValue.Create(DecimalExample(type.Precision, type.Scale))] },
            ColumnKind.Timestamp => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Pattern = forRow ? "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$" : null, Examples = [JsonValue.Create("2026-11-26T10:00:00.123456Z")] },
            ColumnKind.Date => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date", Examples = [JsonValue.Create("2026-11-26")] },
            ColumnKind.Uuid => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
            _ => throw new ArgumentOutOfRangeException(nameof(column), type.Kind, "a contract type without a schema"),
        };
        if (column.Nullable)
        {
            schema.Type |= JsonSchemaType.Null;
        }

        schema.Description = Describe(column, forRow);
        return schema;
    }

    private static string DecimalPattern(int precision, int scale, bool forRow)
    {
        var integer = precision - scale;
        var whole = integer > 0 ? $"[0-9]{{1,{integer}}}" : "0";
        if (scale == 0)
        {
            return $"^-?{whole}$";
        }

        // Rows carry exactly S fractional digits; ingest accepts fewer (1.5 for 1.50).
        return forRow ? $"^-?{whole}\\.[0-9]{{{scale}}}$" : $"^-?{whole}(\\.[0-9]{{1,{scale}}})?$";
    }

    private static string DecimalExample(int precision, int scale) =>
        scale == 0 ? "12" : precision - scale > 0 ? "12." + new string('3', scale) : "0." + new string('3', scale);

    private static string Describe(ColumnDefinition column, bool forRow)
    {
        var type = column.Type.ToString();
        var encoding = column.Type.Kind switch
        {
            ColumnKind.Int64 => forRow ? "int64 as a string of decimal digits" : "int64 as a string of decimal digits (a JSON integer is accepted too)",
            ColumnKind.Decimal => forRow ? $"{type} as a string with exactly {column.Type.Scale} fractional digits" : $"{type} as a string (never a JSON number)",
            ColumnKind.Timestamp => forRow ? "timestamp (UTC, RFC 3339 with six fractional digits and Z)" : "timestamp (RFC 3339; stored in UTC with microseconds)",
            _ => type,
        };
        var nullable = column.Nullable ? ", nullable" : "";
        return column.Description is { Length: > 0 } text ? $"{encoding}{nullable}. {text}" : $"{encoding}{nullable}";
    }
}

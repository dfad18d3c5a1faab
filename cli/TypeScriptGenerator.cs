using System.Globalization;
using System.Text;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Cli;

/// <summary>
/// Generates <c>types.ts</c> from the contract: per dataset a row type (what queries return), a
/// record type (what ingest accepts) and a column-name union, plus the request, response, receipt
/// and problem shapes. Encoded values are flavored template-literal strings: they accept exactly
/// the text forms the gateway emits (so a JSON response type-checks) and do not mix with each other.
/// </summary>
public static class TypeScriptGenerator
{
    /// <summary>The TypeScript type of a contract type (overridable for tests that prove a broken mapping fails).</summary>
    public static string TypeOf(ColumnType type) => type.Kind switch
    {
        ColumnKind.String => "string",
        ColumnKind.Bool => "boolean",
        ColumnKind.Int32 => "number",
        ColumnKind.Int64 => "Int64String",
        ColumnKind.Float64 => "number",
        ColumnKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"DecimalString<{type.Precision}, {type.Scale}>"),
        ColumnKind.Timestamp => "TimestampString",
        ColumnKind.Date => "DateString",
        ColumnKind.Uuid => "UuidString",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The whole file.</summary>
    public static string Generate(ContractDefinition contract, string sourceName, Func<ColumnType, string>? typeOf = null)
    {
        typeOf ??= TypeOf;
        var ts = new StringBuilder();
        ts.AppendLine(CultureInfo.InvariantCulture, $"// Generated from {sourceName} (contract v{contract.Version}, hash {contract.Hash}). Do not edit.");
        ts.AppendLine("// Regenerate with: ./mallard contract types schema.yaml web/src/generated/types.ts");
        ts.AppendLine();
        ts.AppendLine("import type { components } from \"./openapi\";");
        ts.AppendLine();
        ts.AppendLine(CultureInfo.InvariantCulture, $"/** The contract version these types were generated from. */");
        ts.AppendLine(CultureInfo.InvariantCulture, $"export const contractVersion = {contract.Version} as const;");
        ts.AppendLine(CultureInfo.InvariantCulture, $"/** The contract hash these types were generated from (see GET /v1/contract). */");
        ts.AppendLine(CultureInfo.InvariantCulture, $"export const contractHash = \"{contract.Hash}\" as const;");
        ts.AppendLine();
        ts.Append(Encodings);
        foreach (var dataset in contract.Datasets.Values.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            AppendDataset(ts, dataset, typeOf);
        }

        AppendDatasetMap(ts, contract);
        ts.Append(Shapes);
        return ts.ToString().ReplaceLineEndings("\n");
    }

    private static void AppendDataset(StringBuilder ts, DatasetDefinition dataset, Func<ColumnType, string> typeOf)
    {
        var name = Pascal(dataset.Name);
        var about = $"{dataset.Description ?? $"Dataset {dataset.Name}."} Key: {string.Join(", ", dataset.Key)}; partitioned by {string.Join(", ", dataset.PartitionBy)} into {dataset.Partitions} partitions"
            + (dataset.TimeColumn is { } time ? $"; event time: {time}." : ".");
        ts.AppendLine();
        ts.AppendLine(CultureInfo.InvariantCulture, $"/** A column of `{dataset.Name}`. */");
        ts.AppendLine(CultureInfo.InvariantCulture, $"export type {name}Column = {string.Join(" | ", dataset.Columns.Select(c => $"\"{c.Name}\""))};");
        ts.AppendLine();
        ts.AppendLine(CultureInfo.InvariantCulture, $"/** A row of `{dataset.Name}` as queries return it. {about} */");
        ts.AppendLine(CultureInfo.InvariantCulture, $"export interface {name}Row {{");
        foreach (var column in dataset.Columns)
        {
            ts.AppendLine(CultureInfo.InvariantCulture, $"  /** {Describe(column)} */");
            ts.AppendLine(CultureInfo.InvariantCulture, $"  {column.Name}: {typeOf(column.Type)}{(column.Nullable ? " | null" : "")};");
        }

        ts.AppendLine("}");
        ts.AppendLine();
        ts.AppendLine(CultureInfo.InvariantCulture, $"/** A record of `{dataset.Name}` as ingest accepts it: nullable columns may be omitted. */");
        ts.AppendLine(CultureInfo.InvariantCulture, $"export interface {name}Record {{");
        foreach (var column in dataset.Columns)
        {
            ts.AppendLine(CultureInfo.InvariantCulture, $"  {column.Name}{(column.Nullable ? "?" : "")}: {typeOf(column.Type)}{(column.Nullable ? " | null" : "")};");
        }

        ts.AppendLine("}");
        ts.AppendLine();
        ts.AppendLine(CultureInfo.InvariantCulture, $"/** A query of `{dataset.Name}`. */");
        ts.AppendLine(CultureInfo.InvariantCulture, $"export type {name}Query = Query<{name}Column>;");
    }

    private static void AppendDatasetMap(StringBuilder ts, ContractDefinition contract)
    {
        ts.AppendLine();
        ts.AppendLine("/** Every dataset of the contract, by name. */");
        ts.AppendLine("export interface Datasets {");
        foreach (var dataset in contract.Datasets.Values.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var name = Pascal(dataset.Name);
            ts.AppendLine(CultureInfo.InvariantCulture, $"  {dataset.Name}: {{ row: {name}Row; record: {name}Record; column: {name}Column }};");
        }

        ts.AppendLine("}");
        ts.AppendLine();
        ts.AppendLine("/** A dataset name. */");
        ts.AppendLine("export type DatasetName = keyof Datasets;");
    }

    private static string Describe(ColumnDefinition column)
    {
        var text = $"{column.Type}{(column.Nullable ? ", nullable" : "")}";
        return column.Description is { } description ? $"{description.Replace("*/", "* /", StringComparison.Ordinal)} ({text})" : text;
    }

    private static string Pascal(string identifier) =>
        string.Concat(identifier.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private const string Encodings = """
        /**
         * A flavor: a string that also records what it encodes. A plain literal of the right form is
         * accepted, but two flavors never mix (an Int64String is not a DecimalString).
         */
        export type Flavor<T, F extends string> = T & { readonly __mallard?: F };

        /** int64 as a string of decimal digits, e.g. "-9223372036854775808": JSON numbers lose digits past 2^53. */
        export type Int64String = Flavor<`${bigint}`, "int64">;

        /** decimal(P,S) as a string with exactly S fractional digits, e.g. "12.30" for decimal(12,2). Never a JSON number. */
        export type DecimalString<P extends number, S extends number> = Flavor<`${bigint}` | `${bigint}.${number}`, `decimal(${P},${S})`>;

        /** A UTC instant, RFC 3339 with exactly six fractional digits and Z, e.g. "2026-11-26T10:00:00.123456Z" (microseconds). */
        export type TimestampString = Flavor<`${number}-${number}-${number}T${number}:${number}:${number}.${number}Z`, "timestamp">;

        /** A calendar date "YYYY-MM-DD", e.g. "2026-11-26". */
        export type DateString = Flavor<`${number}-${number}-${number}`, "date">;

        /** A UUID in lower-case canonical 8-4-4-4-12 form, e.g. "0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60". */
        export type UuidString = Flavor<`${string}-${string}-${string}-${string}-${string}`, "uuid">;

        /** A contract type name as the API reports it. */
        export type ColumnTypeName = "string" | "bool" | "int32" | "int64" | "float64" | `decimal(${number},${number})` | "timestamp" | "date" | "uuid";

        """;

    private const string Shapes = """

        /** A JSON value, as filter operands are written. */
        export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

        /** One filter condition; all conditions must hold. `in` takes an array, `isNull`/`notNull` no value. */
        export type Filter<C extends string = string> =
          | { column: C; op: "eq" | "ne" | "lt" | "lte" | "gt" | "gte"; value: JsonValue }
          | { column: C; op: "in"; value: JsonValue[] }
          | { column: C; op: "isNull" | "notNull" };

        /** An aggregate; `count` without a column counts rows. */
        export interface Aggregate<C extends string = string> {
          fn: "count" | "sum" | "min" | "max" | "avg";
          column?: C;
          as?: string;
        }

        /** A sort key; nulls sort last. */
        export interface OrderBy<C extends string = string> {
          column: C | (string & {});
          desc?: boolean;
        }

        /** POST /v1/datasets/{dataset}/query: raw rows (`select`) or an aggregate (`groupBy`/`aggregates`). */
        export interface Query<C extends string = string> {
          select?: C[];
          filter?: Filter<C>[];
          groupBy?: C[];
          aggregates?: Aggregate<C>[];
          orderBy?: OrderBy<C>[];
          /** 1 to 10000; default 100. */
          limit?: number;
          /** Answer from the partitions that are available instead of 503 when some are not. */
          allowPartial?: boolean;
        }

        /** A column of a query result. */
        export interface ResultColumn {
          name: string;
          type: ColumnTypeName;
        }

        /** The answer to a query; `Row` is a dataset's row type, or a Pick of it for a `select`. */
        export interface QueryResponse<Row = Record<string, JsonValue>> {
          columns: ResultColumn[];
          rows: Row[];
          /** True when `allowPartial` was set and some partitions did not answer. */
          partial: boolean;
          /** The partitions left out of a partial answer. */
          missingPartitions: number[];
          stats: { partitions: number; elapsedMs: number };
        }

        /** Shapes shared by every dataset, generated from the gateway's OpenAPI document (openapi.ts, GET /openapi/v1.json). */
        type Schemas = components["schemas"];
        /** The 200 answer to POST /v1/datasets/{dataset}/records. */
        export type IngestReceipt = Schemas["IngestReceipt"];
        /** How many records one partition accepted. */
        export type PartitionAccepted = Schemas["PartitionAccepted"];
        /** Every error is application/problem+json with a stable `code`. */
        export type Problem = Schemas["Problem"];
        /** The 422 answer to a batch with invalid records: nothing was written. */
        export type ValidationProblem = Schemas["ValidationProblem"];
        /** Why one field of one record was refused. */
        export type RecordError = Schemas["RecordError"];
        /** Every problem code the gateway answers with (docs/errors.md). */
        export type ErrorCode = Schemas["ErrorCode"];
        /** Why one field or record of a batch was refused (docs/errors.md, "Record errors"). */
        export type RecordErrorCode = Schemas["RecordErrorCode"];
        """;
}

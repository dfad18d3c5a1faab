// Generated from schema.yaml (contract v1, hash 8c7b2d9dfeb585e9). Do not edit.
// Regenerate with: ./mallard contract types schema.yaml web/src/generated/types.ts

import type { components } from "./openapi";

/** The contract version these types were generated from. */
export const contractVersion = 1 as const;
/** The contract hash these types were generated from (see GET /v1/contract). */
export const contractHash = "8c7b2d9dfeb585e9" as const;

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

/** A column of `page_views`. */
export type PageViewsColumn = "event_id" | "ts" | "user_id" | "page" | "country" | "duration_ms" | "bytes" | "revenue" | "bot" | "score" | "day";

/** A row of `page_views` as queries return it. Page views from the web tracker. Key: event_id; partitioned by user_id into 8 partitions; event time: ts. */
export interface PageViewsRow {
  /** uuid */
  event_id: UuidString;
  /** timestamp */
  ts: TimestampString;
  /** string */
  user_id: string;
  /** string */
  page: string;
  /** string, nullable */
  country: string | null;
  /** int32 */
  duration_ms: number;
  /** int64 */
  bytes: Int64String;
  /** decimal(12,2), nullable */
  revenue: DecimalString<12, 2> | null;
  /** bool */
  bot: boolean;
  /** float64, nullable */
  score: number | null;
  /** date */
  day: DateString;
}

/** A record of `page_views` as ingest accepts it: nullable columns may be omitted. */
export interface PageViewsRecord {
  event_id: UuidString;
  ts: TimestampString;
  user_id: string;
  page: string;
  country?: string | null;
  duration_ms: number;
  bytes: Int64String;
  revenue?: DecimalString<12, 2> | null;
  bot: boolean;
  score?: number | null;
  day: DateString;
}

/** A query of `page_views`. */
export type PageViewsQuery = Query<PageViewsColumn>;

/** Every dataset of the contract, by name. */
export interface Datasets {
  page_views: { row: PageViewsRow; record: PageViewsRecord; column: PageViewsColumn };
}

/** A dataset name. */
export type DatasetName = keyof Datasets;

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
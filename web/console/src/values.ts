import type { ColumnTypeName } from "../../src/generated/types";

/** The kind of a contract type: decimal(P,S) collapses to "decimal". */
export type ColumnKind = KindOf<ColumnTypeName>;
type KindOf<T> = T extends `decimal(${string})` ? "decimal" : T;

/**
 * How each kind is shown: exactly as the API sends it. int64 and decimal arrive as strings and stay
 * strings (a JavaScript number would lose digits past 2^53 and trailing zeros); timestamps keep
 * their six fractional digits. Adding a contract type to the generated types without a renderer
 * here fails `tsc --strict`.
 */
const renderers: { [K in ColumnKind]: (value: unknown) => string } = {
  string: (v) => String(v),
  bool: (v) => (v ? "true" : "false"),
  int32: (v) => String(v),
  int64: (v) => exactString(v, "int64"),
  float64: (v) => String(v),
  decimal: (v) => exactString(v, "decimal"),
  timestamp: (v) => exactString(v, "timestamp"),
  date: (v) => exactString(v, "date"),
  uuid: (v) => exactString(v, "uuid"),
};

function exactString(value: unknown, kind: string): string {
  if (typeof value !== "string") throw new Error(`a ${kind} value must arrive as a string, got ${typeof value}`);
  return value;
}

/** The kind of a type name as the API reports it (a result column's `type`). */
export function kindOf(type: string): ColumnKind {
  if (type.startsWith("decimal(")) return "decimal";
  if (type in renderers) return type as ColumnKind;
  throw new Error(`unknown column type '${type}'`);
}

/** A cell's text; null is shown as the empty marker the table styles. */
export function formatValue(type: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return renderers[kindOf(type)](value);
}

/** Whether a kind is sent as a JSON number in filter values. */
export function isNumeric(kind: ColumnKind): boolean {
  return kind === "int32" || kind === "float64";
}

/** Parses what a user typed into a filter value for a column of `kind`: JSON-typed, strings kept exact. */
export function parseFilterValue(kind: ColumnKind, text: string): string | number | boolean {
  if (kind === "bool") {
    if (text === "true" || text === "false") return text === "true";
    throw new Error(`'${text}' is not true or false`);
  }
  if (isNumeric(kind)) {
    const number = Number(text);
    if (text.trim() === "" || !Number.isFinite(number)) throw new Error(`'${text}' is not a number`);
    return number;
  }
  return text;
}

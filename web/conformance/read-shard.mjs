// Reads one Mallard shard file with DuckDB's own Node.js client, independently of Mallard's .NET
// code, and prints its column types and values as JSON. Timestamps are printed as microseconds
// since the Unix epoch and dates as days since it, so nothing depends on a text format.
//   node read-shard.mjs SHARD.duckdb TABLE
import { DuckDBInstance } from "@duckdb/node-api";

const [shardPath, table] = process.argv.slice(2);
if (!shardPath || !/^[a-z][a-z0-9_]*$/.test(table ?? "")) {
  console.error("usage: node read-shard.mjs SHARD.duckdb TABLE");
  process.exit(2);
}

const instance = await DuckDBInstance.create(shardPath, { access_mode: "READ_ONLY" });
const connection = await instance.connect();
const described = await connection.runAndReadAll(
  `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`);
const columns = described.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));

const render = ({ name, type }) => {
  const quoted = `"${name}"`;
  if (type === "TIMESTAMP") return `CAST(epoch_us(${quoted}) AS VARCHAR)`;
  if (type === "DATE") return `CAST(${quoted} - DATE '1970-01-01' AS VARCHAR)`;
  return `CAST(${quoted} AS VARCHAR)`;
};
const result = await connection.runAndReadAll(`SELECT ${columns.map(render).join(", ")} FROM "${table}"`);
const rows = result.getRows().map((row) => row.map((value) => (value === null ? null : String(value))));

process.stdout.write(JSON.stringify({ columns, rows }));
connection.closeSync();
instance.closeSync();

// Writes page_views rows as an Apache Arrow IPC stream with the apache-arrow npm package, an Arrow
// writer independent of the gateway's (.NET Apache.Arrow) reader. Usage:
//   node write-arrow.mjs rows.json out.arrows
// rows.json: {"rows": [{event_id, ts_micros, user_id, page, country, duration_ms, bytes,
//             revenue_unscaled, bot, score, day}]}; int64 values travel as decimal strings.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  Bool, DateDay, Decimal, FixedSizeBinary, Float64, Int32, Int64, Table, TimestampMicrosecond, Utf8,
  makeData, makeVector, tableToIPC, vectorFromArray,
} from 'apache-arrow';

const [, , input, output] = process.argv;
const rows = JSON.parse(readFileSync(input, 'utf8')).rows;
const n = rows.length;

// Validity bitmap: bit i set when row i has a value (Arrow's least-significant-bit order).
function validity(values) {
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  values.forEach((v, i) => { if (v === null) nulls++; else bitmap[i >> 3] |= 1 << (i & 7); });
  return { bitmap, nulls };
}

function fixed(type, values, fill) {
  const { bitmap, nulls } = validity(values);
  const data = fill(values);
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls ? bitmap : null, data }));
}

function uuidBytes(text) {
  const hex = text.replaceAll('-', '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

// decimal128: four little-endian 32-bit words of the two's-complement unscaled value.
function decimalWords(values) {
  const words = new Uint32Array(n * 4);
  values.forEach((v, i) => {
    if (v === null) return;
    let x = BigInt.asUintN(128, BigInt(v));
    for (let w = 0; w < 4; w++) { words[i * 4 + w] = Number(x & 0xffffffffn); x >>= 32n; }
  });
  return words;
}

const col = (name) => rows.map((r) => r[name]);
const table = new Table({
  event_id: fixed(new FixedSizeBinary(16), col('event_id'), (vs) => {
    const bytes = new Uint8Array(n * 16);
    vs.forEach((v, i) => bytes.set(uuidBytes(v), i * 16));
    return bytes;
  }),
  ts: fixed(new TimestampMicrosecond('UTC'), col('ts_micros'), (vs) => BigInt64Array.from(vs, (v) => BigInt(v))),
  user_id: vectorFromArray(col('user_id'), new Utf8()),
  page: vectorFromArray(col('page'), new Utf8()),
  country: vectorFromArray(col('country'), new Utf8()),
  duration_ms: fixed(new Int32(), col('duration_ms'), (vs) => Int32Array.from(vs)),
  bytes: fixed(new Int64(), col('bytes'), (vs) => BigInt64Array.from(vs, (v) => BigInt(v))),
  revenue: fixed(new Decimal(2, 12, 128), col('revenue_unscaled'), decimalWords),
  bot: fixed(new Bool(), col('bot'), (vs) => {
    const bits = new Uint8Array(Math.ceil(n / 8));
    vs.forEach((v, i) => { if (v) bits[i >> 3] |= 1 << (i & 7); });
    return bits;
  }),
  score: fixed(new Float64(), col('score'), (vs) => Float64Array.from(vs, (v) => v ?? 0)),
  day: fixed(new DateDay(), col('day'), (vs) => Int32Array.from(vs)),
});
writeFileSync(output, tableToIPC(table, 'stream'));
console.log(`wrote ${n} rows, schema: ${table.schema.fields.map((f) => `${f.name}: ${f.type}`).join(', ')}`);

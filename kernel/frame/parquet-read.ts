// Parquet → Frame columns through DuckDB: each vector is copied whole into a preallocated typed array (strings
// as codes; parquet-read-strings.ts picks how). Also maps foreign Parquet types onto ColumnTypes.
// Pairs with parquet-write.ts; parquet.ts holds the public API.

import type { DuckDBConnection, DuckDBEnumType, DuckDBType } from "@duckdb/node-api";
import { allocColumn, ColumnData, ColumnSpec, ColumnType, StringColumn, Validity } from "./column.js";
import { duckdbApi, rawBindings, sqlIdent, sqlString } from "./duckdb-session.js";
import { columnEnum, readTextColumns, stringPlans, textOf } from "./parquet-read-strings.js";
import { DatasetError } from "../errors.js";

/** A column of the file as DuckDB describes it. */
export interface SourceColumn {
  name: string;
  /** DuckDB's type name: "UINTEGER", "TIMESTAMP", "DECIMAL(10,2)", "VARCHAR[]", ... */
  duckType: string;
}

/** Key-value metadata of a Parquet file (keys and values decoded as UTF-8). */
export async function readKvMetadata(con: DuckDBConnection, path: string): Promise<Record<string, string>> {
  const r = await con.runAndReadAll(
    `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(path)})`,
  );
  const kv: Record<string, string> = {};
  for (const [k, v] of r.getRows()) kv[String(k)] = String(v);
  return kv;
}

/** The file's columns with DuckDB's names for their types. */
export async function describeParquet(con: DuckDBConnection, path: string): Promise<SourceColumn[]> {
  const r = await con.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet(${sqlString(path)}, hive_partitioning = false)`,
  );
  return r.getRowObjects().map((o) => ({ name: String(o.column_name), duckType: String(o.column_type) }));
}

/** Rows in the file (from its footer; no data is read). */
export async function countRows(con: DuckDBConnection, path: string): Promise<number> {
  const r = await con.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(path)}, hive_partitioning = false)`);
  return Number(r.getRows()[0]![0]);
}

const INT32 = new Set(["TINYINT", "SMALLINT", "INTEGER"]);
const UINT32 = new Set(["UTINYINT", "USMALLINT", "UINTEGER"]);
const FLOAT = new Set(["FLOAT", "DOUBLE", "HUGEINT", "UHUGEINT"]);
const TIME = new Set(["TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE", "DATE"]);

/**
 * The ColumnType a foreign column reads as. Columns with NULLs that their typed array cannot mark (integers,
 * booleans) widen to f64 with NaN for NULL; i64/f64/timestamp use NaN directly; strings use "". Types with no
 * column equivalent (lists, structs, blobs, intervals, ...) read as their text form.
 */
export function foreignColumnType(duckType: string, hasNulls: boolean): ColumnType {
  const t = duckType.toUpperCase();
  const widen = (ct: ColumnType): ColumnType => (hasNulls ? "f64" : ct);
  if (INT32.has(t)) return widen("i32");
  if (UINT32.has(t)) return widen("u32");
  if (t === "BIGINT") return "i64";
  if (t === "UBIGINT") return widen("u64");
  if (FLOAT.has(t) || t.startsWith("DECIMAL")) return "f64";
  if (TIME.has(t)) return "timestamp";
  if (t === "BOOLEAN") return widen("bool");
  return "str";
}

/** SQL turning source column `x` into the raw form its (non-string) ColumnType is copied from. */
function readExpr(type: Exclude<ColumnType, "str">, duckType: string, x: string): string {
  const nanIfNull = (e: string) => `coalesce(CAST(${e} AS DOUBLE), 'NaN'::DOUBLE)`;
  switch (type) {
    case "u32":
      return `CAST(${x} AS UINTEGER)`;
    case "i32":
      return `CAST(${x} AS INTEGER)`;
    case "u64":
      return `CAST(${x} AS UBIGINT)`;
    case "bool":
      return `CAST(${x} AS BOOLEAN)`;
    case "i64":
    case "f64":
      return nanIfNull(x);
    case "timestamp":
      // epoch_us is exact for every TIMESTAMP flavour; a DATE first becomes midnight UTC.
      return nanIfNull(`epoch_us(${duckType.toUpperCase() === "DATE" ? `CAST(${x} AS TIMESTAMP)` : x})`);
  }
}

/** Bytes per value of the raw forms readExpr produces. */
const WIDTH: Record<Exclude<ColumnType, "str">, number> = {
  u32: 4,
  i32: 4,
  u64: 8,
  bool: 1,
  i64: 8,
  f64: 8,
  timestamp: 8,
};

/** Views `n` codes of `width` bytes in `bytes` (copied when DuckDB's buffer is not aligned for that width). */
function codeView(bytes: Uint8Array, width: number, n: number): Uint8Array | Uint16Array | Uint32Array {
  if (width === 1) return bytes.subarray(0, n);
  const b = bytes.byteOffset % width === 0 ? bytes : bytes.slice(0, n * width);
  return width === 2 ? new Uint16Array(b.buffer, b.byteOffset, n) : new Uint32Array(b.buffer, b.byteOffset, n);
}

/** Where one column's raw vectors go: `put(bytes, at, n)` stores n values starting at row `at`. */
interface ColumnSink {
  type: DuckDBType;
  width: number;
  put(bytes: Uint8Array, at: number, n: number): void;
}

function columnSink(spec: ColumnSpec, col: ColumnData, enumType: DuckDBEnumType | undefined): ColumnSink {
  const duck = duckdbApi();
  if (spec.type === "str") {
    const t = enumType!;
    const width =
      t.internalTypeId === duck.DuckDBTypeId.UTINYINT ? 1 : t.internalTypeId === duck.DuckDBTypeId.USMALLINT ? 2 : 4;
    const codes = (col as StringColumn).codes;
    return { type: t, width, put: (bytes, at, n) => codes.set(codeView(bytes, width, n), at) };
  }
  const width = WIDTH[spec.type];
  const arr = col as Exclude<ColumnData, StringColumn>;
  const view = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  const type = {
    u32: duck.UINTEGER,
    i32: duck.INTEGER,
    u64: duck.UBIGINT,
    bool: duck.BOOLEAN,
    i64: duck.DOUBLE,
    f64: duck.DOUBLE,
    timestamp: duck.DOUBLE,
  }[spec.type];
  return { type, width, put: (bytes, at, n) => view.set(bytes.subarray(0, n * width), at * width) };
}

let sinkSeq = 0;

/**
 * Reads the columns `specs` (in file order, `sources[i]` being the file's column for `specs[i]`) of a Parquet
 * file with `rows` rows into typed arrays.
 *
 * DuckDB hands each vector to a JS scalar function ("sink") as the parallel scan produces it, with the rows'
 * positions in the file, so JS copies whole vectors into place. That is about twice as fast as fetching result
 * chunks, whose per-chunk round trips dominate (~1.5 ms each for 2048 rows). String columns with many distinct
 * values take the text-block path of parquet-read-strings.ts instead.
 */
export async function readColumns(
  con: DuckDBConnection,
  path: string,
  specs: readonly ColumnSpec[],
  sources: readonly SourceColumn[],
  rows: number,
): Promise<{ columns: Record<string, ColumnData>; validity: Record<string, Validity> }> {
  const out: Record<string, ColumnData> = {};
  const validity: Record<string, Validity> = {};
  for (const s of specs) out[s.name] = allocColumn(s.type, rows);
  if (rows === 0) return { columns: out, validity };
  const file = sqlString(path);
  const nulls = await nullCounts(con, path, sources);
  // read_parquet's row-number column cannot be added to a file that has a column of that name.
  const rowNumbers = !sources.some((s) => s.name === "file_row_number");
  const strIdx = specs.flatMap((s, i) => (s.type === "str" ? [i] : []));
  const plans = await stringPlans(
    con,
    file,
    strIdx.map((i) => sqlIdent(sources[i]!.name)),
    path,
  );
  // Text blocks are ordered by row number; without one, only the ENUM path is left.
  const text = new Map(strIdx.flatMap((i, k) => (rowNumbers && plans[k] !== "enum" ? [[i, plans[k] as number]] : [])));
  const exprs: string[] = [];
  const sinks: ColumnSink[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (text.has(i)) continue;
    const x = sqlIdent(sources[i]!.name);
    if (spec.type === "str") {
      const e = await columnEnum(con, file, x);
      (out[spec.name] as StringColumn).dict = e.values;
      exprs.push(`CAST(${textOf(x)} AS ${e.name})`);
      sinks.push(columnSink(spec, out[spec.name]!, e.type));
    } else {
      exprs.push(readExpr(spec.type, sources[i]!.duckType, x));
      sinks.push(columnSink(spec, out[spec.name]!, undefined));
    }
  }
  // NULL masks: one more 1-byte sink per column that has NULLs (the Parquet statistics say which).
  for (let i = 0; i < specs.length; i++) {
    if (!nulls.get(sources[i]!.name)) continue;
    const mask = new Uint8Array(rows);
    validity[specs[i]!.name] = mask;
    exprs.push(`CAST((${sqlIdent(sources[i]!.name)} IS NOT NULL) AS UTINYINT)`);
    sinks.push({ type: duckdbApi().UTINYINT, width: 1, put: (bytes, at, n) => mask.set(bytes.subarray(0, n), at) });
  }
  if (sinks.length > 0) {
    const got = await (rowNumbers ? sinkColumns : streamColumns)(con, file, exprs, sinks);
    if (got !== rows) {
      throw new DatasetError(
        `${path}: read ${got} rows, its metadata says ${rows}`,
        "the file is corrupt; write it again from the source data",
      );
    }
  }
  if (text.size > 0) {
    const idx = [...text.keys()];
    await readTextColumns(
      con,
      file,
      idx.map((i) => sqlIdent(sources[i]!.name)),
      [...text.values()],
      idx.map((i) => out[specs[i]!.name] as StringColumn),
      rows,
      path,
    );
  }
  return { columns: out, validity };
}

/**
 * NULLs per column, from the row groups' statistics (no data is read); a column whose statistics lack a null
 * count is counted.
 */
async function nullCounts(
  con: DuckDBConnection,
  path: string,
  sources: readonly SourceColumn[],
): Promise<Map<string, number>> {
  const r = await con.runAndReadAll(
    `SELECT path_in_schema, sum(stats_null_count), count(*) - count(stats_null_count) ` +
      `FROM parquet_metadata(${sqlString(path)}) GROUP BY path_in_schema`,
  );
  const out = new Map<string, number>();
  const unknown: SourceColumn[] = [];
  const byName = new Map(r.getRows().map((row) => [String(row[0]), row]));
  for (const s of sources) {
    const row = byName.get(s.name);
    if (!row || Number(row[2]) > 0) unknown.push(s);
    else out.set(s.name, Number(row[1] ?? 0));
  }
  if (unknown.length) for (const name of await columnsWithNulls(con, path, unknown)) out.set(name, 1);
  return out;
}

/** The sink path (see readColumns); returns the number of rows stored. */
async function sinkColumns(con: DuckDBConnection, file: string, exprs: string[], sinks: ColumnSink[]): Promise<number> {
  const duck = duckdbApi();
  const raw = rawBindings();
  let stored = 0;
  let failure: unknown;
  const name = `bpflab_sink_${++sinkSeq}`;
  const fn = duck.DuckDBScalarFunction.create({
    name,
    returnType: duck.BOOLEAN,
    parameterTypes: [duck.BIGINT, ...sinks.map((k) => k.type)],
    volatile: true,
    mainFunction: (_info, input) => {
      try {
        const n = input.rowCount;
        const rnBytes = raw.vector_get_data(raw.data_chunk_get_vector(input.chunk, 0), n * 8);
        const rn = new BigInt64Array(rnBytes.buffer, rnBytes.byteOffset, n);
        const first = Number(rn[0]);
        const contiguous = Number(rn[n - 1]) - first === n - 1;
        for (let j = 0; j < sinks.length; j++) {
          const k = sinks[j]!;
          const bytes = raw.vector_get_data(raw.data_chunk_get_vector(input.chunk, j + 1), n * k.width);
          if (contiguous) {
            k.put(bytes, first, n);
          } else {
            for (let r = 0; r < n; r++) k.put(bytes.subarray(r * k.width, (r + 1) * k.width), Number(rn[r]), 1);
          }
        }
        stored += n;
      } catch (e) {
        failure ??= e;
      }
    },
  });
  try {
    con.registerScalarFunction(fn);
    await con.run(
      `SELECT count(${name}(file_row_number, ${exprs.join(", ")})) ` +
        `FROM read_parquet(${file}, file_row_number = true, hive_partitioning = false)`,
    );
  } finally {
    fn.destroySync();
  }
  if (failure) throw failure;
  return stored;
}

/** The fallback path: fetch result chunks in order. Returns the number of rows stored. */
async function streamColumns(
  con: DuckDBConnection,
  file: string,
  exprs: string[],
  sinks: ColumnSink[],
): Promise<number> {
  const raw = rawBindings();
  const result = await con.stream(`SELECT ${exprs.join(", ")} FROM read_parquet(${file}, hive_partitioning = false)`);
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    sinks.forEach((k, j) => k.put(raw.vector_get_data(raw.data_chunk_get_vector(chunk.chunk, j), n * k.width), at, n));
    at += n;
  }
  return at;
}

/** Columns of a foreign file that hold NULLs (one aggregate over the file). */
export async function columnsWithNulls(
  con: DuckDBConnection,
  path: string,
  sources: readonly SourceColumn[],
): Promise<Set<string>> {
  if (sources.length === 0) return new Set();
  const parts = sources.map((s, i) => `count(*) - count(${sqlIdent(s.name)}) AS n${i}`);
  const r = await con.runAndReadAll(
    `SELECT ${parts.join(", ")} FROM read_parquet(${sqlString(path)}, hive_partitioning = false)`,
  );
  const row = r.getRows()[0]!;
  return new Set(sources.filter((_, i) => Number(row[i]) > 0).map((s) => s.name));
}

// Frame → Parquet through DuckDB. A table function hands DuckDB each column in vector-sized slices (one memcpy
// per vector, no value-by-value conversion in JS) and `COPY (SELECT ...) TO` casts to the final Parquet types.
// Pairs with parquet-read.ts; parquet.ts holds the public API.

import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import type { ColumnData, ColumnSpec, Frame, StringColumn } from "./frame.js";
import { duckdbApi, rawBindings, sqlIdent, sqlString } from "./duckdb-session.js";
import { OptionError } from "../errors.js";

/** Fills one output vector with rows [start, start + n) of a column. */
type Feed = (vector: unknown, start: number, n: number) => void;

interface StagedColumn {
  /** Type of the table function's column (what the feed writes). */
  stagedType: DuckDBType;
  /** SQL that turns the staged column `c<i>` into the Parquet column's value (without its alias). */
  select: string;
  feed: Feed;
  /** Name of the staged column (default `c<i>`; masks are `v<i>`). */
  name?: string;
}

/** A NULL mask staged as a UTINYINT column (1 = value, 0 = NULL). */
function maskColumn(mask: Uint8Array): StagedColumn {
  const raw = rawBindings();
  return {
    stagedType: duckdbApi().UTINYINT,
    select: "",
    feed: (vector, start, n) => raw.copy_data_to_vector(vector, 0, mask.buffer, mask.byteOffset + start, n),
  };
}

/**
 * Largest dictionary written through a DuckDB ENUM. @duckdb/node-api's ENUM() indexes its values in a JS object,
 * which costs ~10 ms for 4096 values but seconds for a million.
 */
const MAX_ENUM = 4096;

const isStr = (c: ColumnData): c is StringColumn => (c as StringColumn).dict !== undefined;

/**
 * The dictionary as DuckDB ENUM values (which must be unique) and the codes to feed: the frame's own codes when
 * its dictionary is already unique (the FrameBuilder case), else codes remapped onto the first occurrence.
 */
function uniqueDictionary(col: StringColumn, name: string): { values: string[]; codes: Uint32Array } {
  const { codes, dict } = col;
  let max = -1;
  for (let i = 0; i < codes.length; i++) if (codes[i]! > max) max = codes[i]!;
  if (max >= dict.length) {
    throw new OptionError(
      `column ${name}: string code ${max} is outside its dictionary of ${dict.length} entries`,
      "build string columns with FrameBuilder.setStr, or keep every code below dict.length",
    );
  }
  const first = new Map<string, number>();
  const remap = new Uint32Array(dict.length);
  const values: string[] = [];
  for (let k = 0; k < dict.length; k++) {
    const s = dict[k]!;
    let u = first.get(s);
    if (u === undefined) {
      u = values.length;
      values.push(s);
      first.set(s, u);
    }
    remap[k] = u;
  }
  if (values.length === dict.length) return { values, codes };
  return { values, codes: codes.map((k) => remap[k]!) };
}

function stageColumn(spec: ColumnSpec, col: ColumnData, i: number, vectorSize: number): StagedColumn {
  const duck = duckdbApi();
  const raw = rawBindings();
  const c = `c${i}`;
  const copyTyped =
    (arr: Exclude<ColumnData, StringColumn>): Feed =>
    (vector, start, n) => {
      const bpe = arr.BYTES_PER_ELEMENT;
      raw.copy_data_to_vector(vector, 0, arr.buffer, arr.byteOffset + start * bpe, n * bpe);
    };
  if (isStr(col)) {
    if (col.codes.length === 0 && col.dict.length === 0) {
      // An ENUM needs at least one value; with no rows the feed never runs, so any string type will do.
      return { stagedType: duck.VARCHAR, select: c, feed: () => {} };
    }
    const { values, codes } = uniqueDictionary(col, spec.name);
    const withNul = values.map((v) => v.includes("\0"));
    if (values.length > MAX_ENUM || withNul.includes(true)) {
      // Many distinct strings (exec args, file names): building a DuckDB ENUM of them costs more in JS than
      // handing DuckDB each row's string, and the Parquet writer picks plain or dictionary encoding itself.
      // ENUM values and the plain assign are C strings, so values holding NUL go in as UTF-8 bytes.
      const utf8 = values.map((v, k) => (withNul[k] ? Buffer.from(v, "utf8") : undefined));
      return {
        stagedType: duck.VARCHAR,
        select: c,
        feed: (vector, start, n) => {
          for (let r = 0; r < n; r++) {
            const k = codes[start + r]!;
            const bytes = utf8[k];
            if (bytes) raw.vector_assign_string_element_len(vector, r, bytes);
            else raw.vector_assign_string_element(vector, r, values[k]!);
          }
        },
      };
    }
    const type = duck.ENUM(values);
    // DuckDB stores an ENUM as the narrowest unsigned code that fits its size; the feed narrows ours to match.
    const scratch = values.length < 256 ? new Uint8Array(vectorSize) : new Uint16Array(vectorSize);
    // Written as an ENUM, DuckDB's Parquet writer emits a dictionary-encoded UTF8 column straight from the codes.
    return {
      stagedType: type,
      select: c,
      feed: (vector, start, n) => {
        scratch.set(codes.subarray(start, start + n));
        raw.copy_data_to_vector(vector, 0, scratch.buffer, 0, n * scratch.BYTES_PER_ELEMENT);
      },
    };
  }
  switch (spec.type) {
    case "u32":
      return { stagedType: duck.UINTEGER, select: c, feed: copyTyped(col) };
    case "i32":
      return { stagedType: duck.INTEGER, select: c, feed: copyTyped(col) };
    case "u64":
      return { stagedType: duck.UBIGINT, select: c, feed: copyTyped(col) };
    case "f64":
      return { stagedType: duck.DOUBLE, select: c, feed: copyTyped(col) };
    // i64 and timestamp live in Float64Arrays; DuckDB casts them natively, far faster than BigInt() per value.
    // NaN/±Inf (a missing value, e.g. from a foreign file's NULL) becomes NULL instead of a cast error.
    case "i64":
      return {
        stagedType: duck.DOUBLE,
        select: `CASE WHEN isfinite(${c}) THEN CAST(${c} AS BIGINT) END`,
        feed: copyTyped(col),
      };
    case "timestamp":
      return {
        stagedType: duck.DOUBLE,
        select: `CASE WHEN isfinite(${c}) THEN CAST(make_timestamp(CAST(${c} AS BIGINT)) AS TIMESTAMPTZ) END`,
        feed: copyTyped(col),
      };
    case "bool": {
      // DuckDB's BOOLEAN is one byte that must be 0 or 1; normalise whatever non-zero byte the frame holds.
      const src = col as Uint8Array;
      const scratch = new Uint8Array(vectorSize);
      return {
        stagedType: duck.BOOLEAN,
        select: c,
        feed: (vector, start, n) => {
          for (let r = 0; r < n; r++) scratch[r] = src[start + r] !== 0 ? 1 : 0;
          raw.copy_data_to_vector(vector, 0, scratch.buffer, 0, n);
        },
      };
    }
    default:
      throw new OptionError(
        `column ${spec.name}: unknown column type "${spec.type as string}"`,
        "use one of u32, i32, i64, u64, f64, timestamp, bool, str",
      );
  }
}

/** The KV_METADATA clause of COPY: a struct literal of string values. */
export function kvClause(kv: Record<string, string>): string {
  const entries = Object.entries(kv).map(([k, v]) => `${sqlIdent(k)}: ${sqlString(v)}`);
  return entries.length ? `, KV_METADATA {${entries.join(", ")}}` : "";
}

let scanSeq = 0;

/** What a registered scan reads from; emptied after its COPY, so the frame's columns are not kept alive. */
interface ScanState {
  staged: StagedColumn[] | undefined;
  rows: number;
  next: number;
}

/**
 * The table function feeding `state` to DuckDB. Built apart from copyFrameToParquet so that its callbacks close
 * over `state` only: DuckDB keeps a registered function (and so its JS callbacks) until the database closes, and
 * a long-lived connection (a capture's segment writer) must not keep every frame it ever wrote.
 */
function scanFunction(name: string, state: ScanState, vectorSize: number) {
  const raw = rawBindings();
  return duckdbApi().DuckDBTableFunction.create({
    name,
    bindFunction: (bind) => {
      state.staged!.forEach((s, i) => bind.addResultColumn(s.name ?? `c${i}`, s.stagedType));
      bind.setCardinality(state.rows, true);
    },
    initFunction: (init) => {
      state.next = 0;
      // One thread: DuckDB keeps the order of a single-threaded scan, and the copy is memcpy-bound anyway.
      init.setMaxThreads(1);
    },
    mainFunction: (_info, out) => {
      const staged = state.staged!;
      const n = Math.min(vectorSize, state.rows - state.next);
      out.rowCount = n;
      for (let i = 0; i < staged.length; i++) staged[i]!.feed(raw.data_chunk_get_vector(out.chunk, i), state.next, n);
      state.next += n;
    },
  });
}

/**
 * Writes `frame` to `path` on `con`: ZSTD, strings dictionary-encoded, i64 as INT64, timestamps as TIMESTAMPTZ
 * (µs, isAdjustedToUTC), u32/u64 as unsigned INT32/INT64, NULL where the mask says. The scan is single-threaded so rows keep their order. `path` must exist
 * (created exclusively by the caller): DuckDB writes into it.
 */
export async function copyFrameToParquet(
  con: DuckDBConnection,
  frame: Frame,
  path: string,
  kv: Record<string, string>,
): Promise<void> {
  if (frame.schema.length === 0) {
    throw new OptionError(`frame ${frame.name} has no columns`, "Parquet needs at least one column");
  }
  const vectorSize = rawBindings().vector_size();
  const staged = frame.schema.map((s, i) => stageColumn(s, frame.column(s.name), i, vectorSize));
  // Columns with NULLs get their mask staged as one more column; the SELECT turns its zeros into NULL.
  const selects = frame.schema.map((s, i) => {
    const mask = frame.validity(s.name);
    let expr = staged[i]!.select;
    if (mask && mask.includes(0)) {
      const v = `v${staged.length}`;
      staged.push({ ...maskColumn(mask), name: v });
      expr = `CASE WHEN ${v} = 1 THEN ${expr} END`;
    }
    return `${expr} AS ${sqlIdent(s.name)}`;
  });
  const state: ScanState = { staged, rows: frame.length, next: 0 };
  // Unique per connection: saveCapture writes several frames through one connection.
  const scanName = `bpflab_frame_scan_${++scanSeq}`;
  const fn = scanFunction(scanName, state, vectorSize);
  const select = selects.join(", ");
  try {
    con.registerTableFunction(fn);
    await con.run(
      `COPY (SELECT ${select} FROM ${scanName}()) TO ${sqlString(path)} ` +
        // USE_TMP_FILE false: DuckDB writes into the file we created (exclusively, in a private folder) instead of
        // a "tmp_<name>" beside it, which it would open following symlinks.
        `(FORMAT PARQUET, COMPRESSION ZSTD, USE_TMP_FILE false${kvClause(kv)})`,
    );
  } finally {
    state.staged = undefined;
    fn.destroySync();
  }
}

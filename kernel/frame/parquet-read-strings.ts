// String columns of Parquet → dictionary codes, two ways by cardinality. Few distinct values (comm, syscall
// names): a DuckDB ENUM turns strings into codes inside DuckDB. Many (exec args, file names): DuckDB joins each
// block of rows into one separator-joined string and JS splits it, since ENUMs of 10^5+ values are slow to build
// (seconds in @duckdb/node-api's ENUM()) and to cast to. Values holding NUL also take the text path: the C API
// behind ENUM() cuts strings at NUL. Pairs with parquet-read.ts.

import type { DuckDBConnection, DuckDBEnumType } from "@duckdb/node-api";
import type { StringColumn } from "./frame.js";
import { duckdbApi } from "./duckdb-session.js";
import { DatasetError } from "../errors.js";

/** Above this many distinct values (estimated) a column is read as text blocks instead of an ENUM. */
export const MAX_ENUM_VALUES = 4096;
/** Rows per text block: one JS string of ~rows × mean length, split once. */
const BLOCK_ROWS = 16384;

/** SQL for a string column's value with NULL as "" (a Frame has no NULL strings). */
export const textOf = (x: string) => `coalesce(CAST(${x} AS VARCHAR), '')`;

/** Block separators, in order of preference: the first that no value of the column contains is used. */
const SEPARATORS = [0, 1, 0xffff];

/**
 * How to read each string column (quoted identifiers `xs`): "enum", or the code point of the separator for the
 * text path. Text when a column has more than MAX_ENUM_VALUES distinct values (HyperLogLog estimate) or a value
 * holding NUL. One scan of the string columns.
 */
export async function stringPlans(
  con: DuckDBConnection,
  file: string,
  xs: readonly string[],
  path: string,
): Promise<("enum" | number)[]> {
  if (xs.length === 0) return [];
  const parts = xs.flatMap((x) => [
    `approx_count_distinct(${textOf(x)})`,
    ...SEPARATORS.map((cp) => `coalesce(bool_or(contains(${textOf(x)}, chr(${cp}))), false)`),
  ]);
  const row = (
    await con.runAndReadAll(`SELECT ${parts.join(", ")} FROM read_parquet(${file}, hive_partitioning = false)`)
  ).getRows()[0]!;
  const per = SEPARATORS.length + 1;
  return xs.map((x, i) => {
    const has = SEPARATORS.map((_, k) => row[i * per + 1 + k] === true);
    if (Number(row[i * per]) <= MAX_ENUM_VALUES && !has[0]) return "enum";
    const k = has.indexOf(false);
    if (k < 0) {
      throw new DatasetError(
        `${path}: string column ${x} holds the characters U+0000, U+0001 and U+FFFF`,
        "bpflab cannot split such values; strip those characters from the column before loading it",
      );
    }
    return SEPARATORS[k]!;
  });
}

let enumSeq = 0;

/**
 * Creates an ENUM of the column's distinct values on `con` and returns its name (for CAST), its values (the
 * column's dictionary, in code order) and its type (for a scalar function parameter).
 */
export async function columnEnum(
  con: DuckDBConnection,
  file: string,
  x: string,
): Promise<{ name: string; values: string[]; type: DuckDBEnumType }> {
  // Unique per connection: one connection may read many files.
  const name = `bpflab_enum_${++enumSeq}`;
  await con.run(
    `CREATE TYPE ${name} AS ENUM (SELECT DISTINCT ${textOf(x)} FROM read_parquet(${file}, hive_partitioning = false))`,
  );
  const values = (await con.runAndReadAll(`SELECT unnest(enum_range(NULL::${name}))`))
    .getRows()
    .map((r) => String(r[0]));
  return { name, values, type: duckdbApi().ENUM(values) };
}

/**
 * Fills `cols[i]` (codes preallocated for `rows` rows, dict empty) from the string columns `xs[i]`: DuckDB joins
 * each block of BLOCK_ROWS rows in file order with the separator `seps[i]` (a code point), JS splits and
 * dictionary-encodes with a Map.
 */
export async function readTextColumns(
  con: DuckDBConnection,
  file: string,
  xs: readonly string[],
  seps: readonly number[],
  cols: readonly StringColumn[],
  rows: number,
  path: string,
): Promise<void> {
  const aggs = xs.map((x, i) => `string_agg(${textOf(x)}, chr(${seps[i]}) ORDER BY file_row_number) AS s${i}`);
  const result = await con.runAndReadAll(
    `SELECT (file_row_number // ${BLOCK_ROWS})::UBIGINT AS block, ` +
      `${aggs.join(", ")} FROM read_parquet(${file}, file_row_number = true, hive_partitioning = false) GROUP BY block`,
  );
  const maps = cols.map(() => new Map<string, number>());
  let seen = 0;
  for (const row of result.getRows()) {
    const start = Number(row[0]) * BLOCK_ROWS;
    const expected = Math.min(BLOCK_ROWS, rows - start);
    for (let i = 0; i < cols.length; i++) {
      const parts = String(row[i + 1]).split(String.fromCodePoint(seps[i]!));
      if (parts.length !== expected) {
        throw new DatasetError(
          `${path}: rows ${start}.. of column ${xs[i]} do not match the row count`,
          "the file is corrupt; write it again from the source data",
        );
      }
      const { codes, dict } = cols[i]!;
      const map = maps[i]!;
      for (let r = 0; r < parts.length; r++) {
        const s = parts[r]!;
        let code = map.get(s);
        if (code === undefined) {
          code = dict.length;
          dict.push(s);
          map.set(s, code);
        }
        codes[start + r] = code;
      }
    }
    seen += expected;
  }
  if (seen !== rows) {
    throw new DatasetError(
      `${path}: string columns hold ${seen} rows, the file says ${rows}`,
      "the file is corrupt; write it again from the source data",
    );
  }
}

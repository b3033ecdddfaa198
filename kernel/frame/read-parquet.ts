// Parquet files → Frames: readParquet (bpflab's own files with their ColumnSpecs, or any Parquet file with
// `foreign`), key-value metadata, and the checks that turn bad files into a DatasetError with a hint.
// DuckDB does the reading (parquet-read.ts); write-parquet.ts is the other direction.

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { basename, extname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ColumnSpec, ColumnType } from "./column.js";
import { Frame } from "./frame.js";
import { duckMessage, withDuckDB } from "./duckdb-session.js";
import {
  columnsWithNulls,
  countRows,
  describeParquet,
  foreignColumnType,
  readColumns,
  readKvMetadata,
  SourceColumn,
} from "./parquet-read.js";
import { BpflabError, DatasetError } from "../errors.js";
import { FRAME_KEY, SCHEMA_KEY } from "./write-parquet.js";

const COLUMN_TYPES: readonly ColumnType[] = ["u32", "i32", "i64", "u64", "f64", "timestamp", "bool", "str"];

export interface ReadParquetOptions {
  /**
   * Read a Parquet file that bpflab did not write (no "bpflab.schema" metadata), mapping its types onto
   * ColumnTypes: (U)TINYINT..(U)INTEGER → u32/i32, BIGINT → i64, UBIGINT → u64, FLOAT/DOUBLE/DECIMAL → f64,
   * TIMESTAMP (any unit) and DATE → timestamp (µs), BOOLEAN → bool, VARCHAR → str, anything else → str (its text form).
   * NULLs: NaN in f64/i64/timestamp columns (integer and boolean columns with NULLs widen to f64), "" in strings.
   */
  foreign?: boolean;
  /** Name of the frame (default: the "bpflab.frame" metadata, else the file name without extension). */
  name?: string;
}

/**
 * Reads a Parquet file written by writeParquet (or, with `{ foreign: true }`, any Parquet file) into a Frame
 * with the same ColumnSpecs, plus the file's key-value metadata (all keys, "bpflab.schema" included).
 * A missing, non-Parquet, truncated or corrupt file, and a Parquet file without bpflab metadata (unless
 * `foreign`), raise DatasetError with a hint.
 *
 * @example const { frame, kv } = await readParquet("capture/sched.parquet");
 */
export async function readParquet(
  path: string,
  options: ReadParquetOptions = {},
): Promise<{ frame: Frame; kv: Record<string, string> }> {
  return withDuckDB((con) => readParquetOn(con, path, options));
}

/** readParquet on an open connection (loadCapture reads all its files through one DuckDB instance). */
export async function readParquetOn(
  con: DuckDBConnection,
  path: string,
  options: ReadParquetOptions = {},
): Promise<{ frame: Frame; kv: Record<string, string> }> {
  checkParquetFile(path);
  try {
    const kv = await readKvMetadata(con, path);
    const sources = await describeParquet(con, path);
    let specs: ColumnSpec[];
    if (kv[SCHEMA_KEY] !== undefined) {
      specs = parseSchema(kv[SCHEMA_KEY]!, sources, path);
    } else if (options.foreign) {
      const nulls = await columnsWithNulls(con, path, sources);
      specs = sources.map((s) => ({
        name: s.name,
        type: foreignColumnType(s.duckType, nulls.has(s.name)),
        description: `Parquet ${s.duckType}`,
      }));
    } else {
      throw new DatasetError(
        `${path} is a Parquet file but not one bpflab wrote (no "${SCHEMA_KEY}" metadata)`,
        "to load it as a plain table, call readParquet(path, { foreign: true })",
      );
    }
    const rows = await countRows(con, path);
    const { columns, validity } = await readColumns(con, path, specs, sources, rows);
    const name = options.name ?? kv[FRAME_KEY] ?? basename(path, extname(path));
    return { frame: new Frame(name, specs, columns, rows, validity), kv };
  } catch (e) {
    throw asDatasetError(e, path);
  }
}

/** Key-value metadata of a Parquet file only (no column data is read), with the same checks as readParquet. */
export async function readParquetMetadata(path: string): Promise<Record<string, string>> {
  return withDuckDB((con) => readParquetMetadataOn(con, path));
}

/** readParquetMetadata on an open connection. */
export async function readParquetMetadataOn(con: DuckDBConnection, path: string): Promise<Record<string, string>> {
  checkParquetFile(path);
  try {
    return await readKvMetadata(con, path);
  } catch (e) {
    throw asDatasetError(e, path);
  }
}

/** Our own errors pass through; DuckDB's become a DatasetError naming the file. */
function asDatasetError(e: unknown, path: string): BpflabError {
  if (e instanceof BpflabError) return e;
  return new DatasetError(
    `cannot read ${path}: ${duckMessage(e)}`,
    "the file is corrupt or was cut short; write it again, or copy it again from where it came from",
    { cause: e },
  );
}

/**
 * Fails early, with a precise reason, on what DuckDB would report vaguely or hang on: a missing path, a directory,
 * a FIFO or device (opened non-blocking, so a FIFO cannot stall the read), a file that is not Parquet ("PAR1" at
 * both ends) or lost its footer (truncated).
 */
export function checkParquetFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EISDIR") throw notAFile(path, true);
    throw new DatasetError(
      `no such file: ${path}`,
      "check the path; captures are saved with capture.toParquet(dir) or `bpflab capture --out DIR`",
      { cause: e },
    );
  }
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  let size: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notAFile(path, st.isDirectory());
    size = st.size;
    if (size >= 4) readSync(fd, head, 0, 4, 0);
    if (size >= 8) readSync(fd, tail, 0, 4, size - 4);
  } finally {
    closeSync(fd);
  }
  if (head.toString("latin1") !== "PAR1") {
    throw new DatasetError(
      `${path} is not a Parquet file (it does not start with "PAR1")`,
      "pass a .parquet file; for CSV data use the CSV reader instead",
    );
  }
  if (size < 12 || tail.toString("latin1") !== "PAR1") {
    throw new DatasetError(
      `${path} is truncated: a Parquet file but its footer is missing (${size} bytes)`,
      "the file was cut short (writer killed, copy or download incomplete); write or copy it again",
    );
  }
}

function notAFile(path: string, dir: boolean): DatasetError {
  return dir
    ? new DatasetError(
        `${path} is a directory, not a Parquet file`,
        "to load a saved capture use loadCapture(dir); readParquet reads one .parquet file",
      )
    : new DatasetError(
        `${path} is not a regular file (a FIFO, socket or device)`,
        "pass a .parquet file; bpflab never writes anything else under that name, so someone else put it there",
      );
}

/** The ColumnSpecs stored in the metadata, checked against the file's columns. */
function parseSchema(json: string, sources: readonly SourceColumn[], path: string): ColumnSpec[] {
  const bad = (why: string) =>
    new DatasetError(
      `${path}: bad "${SCHEMA_KEY}" metadata: ${why}`,
      "the metadata was edited or damaged; read the data with readParquet(path, { foreign: true })",
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw bad("not JSON");
  }
  if (!Array.isArray(parsed)) throw bad("not a list of columns");
  const specs = parsed.map((p: Partial<Record<keyof ColumnSpec, unknown>> | null, i): ColumnSpec => {
    if (typeof p?.name !== "string" || !COLUMN_TYPES.includes(p.type as ColumnType)) {
      throw bad(`column ${i} has no name or type`);
    }
    const spec: ColumnSpec = { name: p.name, type: p.type as ColumnType };
    if (typeof p.unit === "string") spec.unit = p.unit;
    if (typeof p.description === "string") spec.description = p.description;
    return spec;
  });
  if (specs.length !== sources.length || specs.some((s, i) => s.name !== sources[i]!.name)) {
    throw bad(
      `it lists columns ${specs.map((s) => s.name).join(", ")} but the file has ` +
        sources.map((s) => s.name).join(", "),
    );
  }
  return specs;
}

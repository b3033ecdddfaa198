// Parquet files of Frames: writeParquet / readParquet, with the frame's schema (types, units, descriptions) kept
// in the file's key-value metadata. DuckDB does the Parquet work (parquet-write.ts, parquet-read.ts).

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { ColumnSpec, ColumnType, Frame } from "./frame.js";
import { duckMessage, withDuckDB } from "./duckdb-session.js";
import { copyFrameToParquet } from "./parquet-write.js";
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
import { DEFAULT_FILE_MODE, openDir, PrivateDir } from "./safe-file.js";

/** Key-value metadata key holding the frame's ColumnSpecs as JSON. */
export const SCHEMA_KEY = "bpflab.schema";
/** Key-value metadata key holding the frame's name. */
export const FRAME_KEY = "bpflab.frame";

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

export interface WriteParquetOptions {
  /** File mode (default 0o600: captures hold other users' command lines). */
  mode?: number;
}

/**
 * Writes a frame to a Parquet file: ZSTD, strings dictionary-encoded, u32 → UINTEGER, i32 → INTEGER,
 * i64 → BIGINT, u64 → UBIGINT, f64 → DOUBLE, timestamp → TIMESTAMP (µs, what Spark reads), bool → BOOLEAN.
 * `kv` goes into the file's key-value metadata next to "bpflab.schema" (the ColumnSpecs as JSON) and
 * "bpflab.frame". The file is written in a private folder made beside `path` (mkdtemp, 0700), fsynced and
 * renamed to `path`, so a crash never leaves a half-written file under the real name and nobody can redirect the
 * write with a symlink; a symlink at `path` itself is replaced, never followed. Mode 0600 unless `options.mode`.
 *
 * @example await writeParquet(capture.frame("sched"), "/tmp/sched.parquet", { note: "baseline" });
 */
export async function writeParquet(
  frame: Frame,
  path: string,
  kv: Record<string, string> = {},
  options: WriteParquetOptions = {},
): Promise<void> {
  await withDuckDB((con) => writeParquetOn(con, frame, path, kv, options));
}

/** writeParquet on an open connection. */
export async function writeParquetOn(
  con: DuckDBConnection,
  frame: Frame,
  path: string,
  kv: Record<string, string> = {},
  options: WriteParquetOptions = {},
): Promise<void> {
  let parentFd: number;
  try {
    parentFd = openDir(dirname(path));
  } catch (e) {
    throw new DatasetError(
      `cannot write ${path}: ${(e as Error).message}`,
      "check that the directory exists and is a directory, not a symlink to one (then pass its resolved path)",
      { cause: e },
    );
  }
  let tmp: PrivateDir | undefined;
  try {
    tmp = PrivateDir.create(parentFd);
    const name = basename(path);
    await writeParquetInto(con, frame, tmp, name, kv, options.mode);
    tmp.publish(name, name);
  } catch (e) {
    throw writeError(e, path);
  } finally {
    try {
      tmp?.removeAll();
    } finally {
      closeSync(parentFd);
    }
  }
}

/**
 * Writes `frame` as the new file `name` in the private folder `dir` (created exclusively, checked to be the same
 * file after DuckDB wrote it, fsynced, given `mode`). The caller renames it into place.
 */
export async function writeParquetInto(
  con: DuckDBConnection,
  frame: Frame,
  dir: PrivateDir,
  name: string,
  kv: Record<string, string> = {},
  mode = DEFAULT_FILE_MODE,
): Promise<void> {
  const meta = { ...kv, ...frameKv(frame.name, frame.schema) };
  const ino = dir.createFile(name, mode);
  try {
    await copyFrameToParquet(con, frame, dir.path(name), meta);
    dir.seal(name, ino, mode);
  } catch (e) {
    dir.remove(name);
    throw e;
  }
}

/** The key-value metadata that makes a Parquet file a bpflab frame: its name and ColumnSpecs. */
export function frameKv(name: string, schema: readonly ColumnSpec[]): Record<string, string> {
  // Only the ColumnSpec fields: a collector's schema objects may carry decoder details (offsets) too.
  const specs = schema.map(({ name, type, unit, description }) => ({ name, type, unit, description }));
  return { [FRAME_KEY]: name, [SCHEMA_KEY]: JSON.stringify(specs) };
}

/** Our own errors pass through; others become a DatasetError naming the file, with the usual causes. */
export function writeError(e: unknown, path: string): BpflabError {
  if (e instanceof BpflabError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const msg = duckMessage(e);
  const full = code === "ENOSPC" || /No space left|disk is full/i.test(msg);
  return new DatasetError(
    `cannot write ${path}: ${msg}`,
    full
      ? "the disk is full: free space or write to another file system (df -h shows what is free)"
      : "check that the folder exists and is writable and the disk has space; i64 and timestamp columns " +
          "must hold integers within ±2^63",
    { cause: e },
  );
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
    const columns = await readColumns(con, path, specs, sources, rows);
    const name = options.name ?? kv[FRAME_KEY] ?? basename(path, extname(path));
    return { frame: new Frame(name, specs, columns, rows), kv };
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

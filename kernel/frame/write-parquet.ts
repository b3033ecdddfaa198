// Frame → Parquet files, safely: writeParquet writes in a private folder beside the target and renames into place;
// writeParquetInto writes into a private folder the caller holds (captures). Types, NULLs, units and descriptions
// go into the file (parquet-write.ts does the DuckDB part, arrow-schema.ts the per-column metadata).

import { closeSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ColumnSpec } from "./column.js";
import type { Frame } from "./frame.js";
import { duckMessage, withDuckDB } from "./duckdb-session.js";
import { copyFrameToParquet } from "./parquet-write.js";
import { arrowSchemaKv } from "./arrow-schema.js";
import { BpflabError, DatasetError } from "../errors.js";
import { DEFAULT_FILE_MODE, openDir, PrivateDir } from "./safe-file.js";

/** Key-value metadata key holding the frame's ColumnSpecs as JSON. */
export const SCHEMA_KEY = "bpflab.schema";
/** Key-value metadata key holding the frame's name. */
export const FRAME_KEY = "bpflab.frame";

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
  return { [FRAME_KEY]: name, [SCHEMA_KEY]: JSON.stringify(specs), ...arrowSchemaKv(specs) };
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

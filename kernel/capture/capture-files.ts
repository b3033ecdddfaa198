// A Capture on disk: a directory with one Parquet file per collector (`<collector>.parquet`), each carrying the
// whole CaptureMeta in its key-value metadata, so any one file says where and when it was recorded.
// Pairs with capture.ts (Capture.toParquet delegates here) and frame/parquet.ts (the file format).

import { mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "./capture.js";
import type { Frame } from "../frame/frame.js";
import { readParquetMetadataOn, readParquetOn, writeParquetOn } from "../frame/parquet.js";
import { withDuckDB } from "../frame/duckdb-session.js";
import { DatasetError, OptionError } from "../errors.js";

/** Key-value metadata key holding the CaptureMeta as JSON. */
export const META_KEY = "bpflab.meta";
/** Key-value metadata key naming the collector whose frame the file holds. */
export const COLLECTOR_KEY = "bpflab.collector";
/** Oldest schema version this bpflab can read. */
export const MIN_SCHEMA_VERSION = 1;

const SAVE_HINT = "save a capture with capture.toParquet(dir) or `bpflab capture --out DIR`";

/**
 * The key-value metadata of one collector's file: the whole meta as JSON (what loadCapture reads) plus the
 * fields people look for with other tools (`SELECT * FROM parquet_kv_metadata('sched.parquet')`, pyarrow's
 * `schema.metadata`) as plain keys.
 */
export function captureKv(meta: CaptureMeta, collector: string): Record<string, string> {
  const kv: Record<string, string> = {
    [META_KEY]: JSON.stringify(meta),
    [COLLECTOR_KEY]: collector,
    "bpflab.version": meta.bpflabVersion,
    "bpflab.schema_version": String(meta.schemaVersion),
    host: meta.host,
    kernel: meta.kernel,
    wall_start: Number.isFinite(meta.wallStartUs) ? new Date(meta.wallStartUs / 1000).toISOString() : "",
    mono_start_ns: meta.monoStartNs,
    duration_ms: String(meta.durationMs),
    elapsed_ms: String(meta.elapsedMs),
    interval_ms: String(meta.intervalMs),
    collectors: meta.collectors.join(","),
    lost_events: String(meta.lost[collector] ?? 0),
    interrupted: String(meta.interrupted),
  };
  if (meta.pid !== undefined) kv.pid = String(meta.pid);
  if (meta.command !== undefined) kv.command = JSON.stringify(meta.command);
  return kv;
}

/** A collector name usable as a file name. */
function checkCollectorName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith(".")) {
    throw new OptionError(
      `collector name "${name}" cannot be a file name`,
      "collector names are letters, digits, '_', '-' and '.', not starting with '.'",
    );
  }
}

/**
 * Writes each frame of the capture to `<dir>/<collector>.parquet` (creating `dir`), with the CaptureMeta in every
 * file's key-value metadata; returns the paths written. Refuses a directory that already holds another capture's
 * files it would not overwrite, so a directory never mixes two captures.
 *
 * @example const paths = await saveCapture(cap, "captures/idle"); // [".../sched.parquet", ".../syscalls.parquet"]
 */
export async function saveCapture(capture: Capture, dir: string): Promise<string[]> {
  const collectors = capture.collectors;
  collectors.forEach(checkCollectorName);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DatasetError(
      `cannot create directory ${dir}: ${(e as Error).message}`,
      "pick a directory you can write to",
      { cause: e },
    );
  }
  const mine = new Set(collectors.map((c) => `${c}.parquet`));
  const metaJson = JSON.stringify(capture.meta);
  // One DuckDB instance for all files: starting one costs ~30 ms.
  return withDuckDB(async (con) => {
    for (const file of parquetFiles(dir)) {
      if (mine.has(file)) continue;
      const kv = await readParquetMetadataOn(con, join(dir, file)).catch(() => ({}) as Record<string, string>);
      if (kv[META_KEY] !== undefined && kv[META_KEY] !== metaJson) {
        throw new OptionError(
          `${dir} already holds another capture (${file})`,
          "save into an empty directory, or remove that capture's files first",
        );
      }
    }
    const paths: string[] = [];
    for (const c of collectors) {
      const path = join(dir, `${c}.parquet`);
      await writeParquetOn(con, capture.frame(c), path, captureKv(capture.meta, c));
      paths.push(path);
    }
    return paths;
  });
}

function parquetFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".parquet"))
    .sort();
}

/** The CaptureMeta of one file, checked for the fields loadCapture relies on and for a readable schema version. */
function parseMeta(json: string, path: string): CaptureMeta {
  let meta: CaptureMeta;
  try {
    meta = JSON.parse(json) as CaptureMeta;
  } catch (e) {
    throw new DatasetError(
      `${path}: "${META_KEY}" metadata is not JSON`,
      "the file's metadata is damaged; " + "its data can still be read with readParquet(path)",
      { cause: e },
    );
  }
  if (
    typeof meta !== "object" ||
    meta === null ||
    !Array.isArray(meta.collectors) ||
    typeof meta.schemaVersion !== "number" ||
    typeof meta.host !== "string"
  ) {
    throw new DatasetError(
      `${path}: "${META_KEY}" metadata lacks collectors, schemaVersion or host`,
      "the file's metadata is damaged; its data can still be read with readParquet(path)",
    );
  }
  if (meta.schemaVersion > SCHEMA_VERSION) {
    throw new DatasetError(
      `${path} was written by bpflab ${meta.bpflabVersion} with schema version ` +
        `${meta.schemaVersion}; this bpflab reads versions ${MIN_SCHEMA_VERSION} to ${SCHEMA_VERSION}`,
      "upgrade bpflab (npm install bpflab@latest) to read it",
    );
  }
  if (meta.schemaVersion < MIN_SCHEMA_VERSION) {
    throw new DatasetError(
      `${path} has schema version ${meta.schemaVersion}, older than this bpflab reads ` +
        `(${MIN_SCHEMA_VERSION} to ${SCHEMA_VERSION})`,
      `load it with bpflab ${meta.bpflabVersion}, which wrote it, or capture again`,
    );
  }
  return meta;
}

/**
 * Reads a capture saved by saveCapture (no root needed): one Frame per collector, named after it, and the
 * CaptureMeta. Checks that the directory holds a capture, that all its bpflab files belong to the same capture,
 * that none of the capture's collectors is missing, and that the schema version is one this bpflab reads;
 * each failure is a DatasetError with a hint. Parquet files that bpflab did not write are ignored.
 *
 * @example const cap = await loadCapture("captures/idle"); cap.frame("sched").toArquero()
 */
export async function loadCapture(dir: string): Promise<Capture> {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw new DatasetError(`no such directory: ${dir}`, SAVE_HINT, { cause: e });
  }
  if (!isDir) {
    throw new DatasetError(
      `${dir} is a file, not a capture directory`,
      "pass the directory that holds the capture's .parquet files; readParquet(file) reads a single file",
    );
  }
  const files = parquetFiles(dir);
  if (files.length === 0) throw new DatasetError(`${dir} holds no capture (no .parquet files)`, SAVE_HINT);

  return withDuckDB(async (con) => {
    let first: { file: string; json: string } | undefined;
    const byCollector = new Map<string, string>();
    const foreign: string[] = [];
    for (const file of files) {
      const path = join(dir, file);
      const kv = await readParquetMetadataOn(con, path);
      const json = kv[META_KEY];
      if (json === undefined) {
        foreign.push(file);
        continue;
      }
      if (!first) {
        first = { file, json };
      } else if (json !== first.json) {
        throw new DatasetError(
          `${dir} mixes captures: ${file} belongs to another capture than ${first.file}`,
          "keep one capture per directory; move the other capture's files elsewhere",
        );
      }
      byCollector.set(kv[COLLECTOR_KEY] ?? basename(file, ".parquet"), path);
    }
    if (!first) {
      throw new DatasetError(
        `${dir} holds Parquet files but no bpflab capture (${foreign.join(", ")})`,
        "to read one of them as a plain table use readParquet(path, { foreign: true })",
      );
    }
    const meta = parseMeta(first.json, join(dir, first.file));
    const missing = meta.collectors.filter((c) => !byCollector.has(c));
    if (missing.length) {
      throw new DatasetError(
        `capture in ${dir} is incomplete: no file for ` + missing.map((c) => `${c}.parquet`).join(", "),
        "copy the missing files back next to the others (a capture's files belong together)",
      );
    }
    const frames: Record<string, Frame> = {};
    for (const c of meta.collectors) {
      frames[c] = (await readParquetOn(con, byCollector.get(c)!, { name: c })).frame;
    }
    return new Capture(meta, frames);
  });
}

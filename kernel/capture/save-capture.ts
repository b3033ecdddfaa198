// saveCapture: a capture held in memory written as one Parquet file per collector into a checked output folder
// (output-dir.ts): files made in a private folder, fsynced, renamed in together. Pairs with load-capture.ts.

import type { Frame } from "../frame/frame.js";
import { writeError, writeParquetInto } from "../frame/parquet.js";
import { withDuckDB } from "../frame/duckdb-session.js";
import { OptionError } from "../errors.js";
import type { CaptureMeta } from "./capture-meta.js";
import { captureKv } from "./capture-kv.js";
import { OutputDir, OutputOptions, prepareOutput } from "./output-dir.js";
import { PART } from "./spill-layout.js";

/** What saveCapture needs of a capture (a Capture, or anything shaped like one). */
export interface SavableCapture {
  readonly meta: CaptureMeta;
  readonly collectors: string[];
  frame(collector: string): Frame;
}

export interface SaveOptions extends OutputOptions {
  /** An output folder already prepared (prepareOutput); it stays open, the caller closes it. */
  out?: OutputDir;
}

/** A collector name usable as a file name. */
export function checkCollectorName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith(".")) {
    throw new OptionError(
      `collector name "${name}" cannot be a file name`,
      "collector names are letters, digits, '_', '-' and '.', not starting with '.'",
    );
  }
}

/**
 * Writes each frame of the capture to `<dir>/<collector>.parquet`, with the CaptureMeta in every file's key-value
 * metadata; returns the paths written. `dir` must be new or empty, or hold a capture and `force` be set (see
 * prepareOutput for every check); files are mode 0600 unless `mode`. A folder never mixes two captures.
 *
 * @example const paths = await saveCapture(cap, "captures/idle"); // [".../sched.parquet", ".../syscalls.parquet"]
 */
export async function saveCapture(capture: SavableCapture, dir: string, options: SaveOptions = {}): Promise<string[]> {
  capture.collectors.forEach(checkCollectorName);
  const out = options.out ?? (await prepareOutput(dir, options));
  try {
    return await writeCapture(capture, out);
  } finally {
    if (!options.out) out.close();
  }
}

/** saveCapture into a prepared folder. */
export async function writeCapture(capture: SavableCapture, out: OutputDir): Promise<string[]> {
  const tmp = out.newPrivate();
  const names = capture.collectors.map((c) => `${c}.parquet`);
  try {
    // One DuckDB instance for all files: starting one costs ~30 ms.
    await withDuckDB(async (con) => {
      for (const c of capture.collectors) {
        const name = `${c}.parquet`;
        await writeParquetInto(con, capture.frame(c), tmp, name + PART, captureKv(capture.meta, c), out.mode);
        tmp.rename(name + PART, name);
      }
    });
    tmp.verify();
    for (const n of names) tmp.publish(n, n);
    out.removeReplaced(new Set(names));
    out.settle();
  } catch (e) {
    throw writeError(e, out.path);
  } finally {
    tmp.removeAll();
  }
  return names.map((n) => `${out.path}/${n}`);
}

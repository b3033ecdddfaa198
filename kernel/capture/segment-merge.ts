// Merging Parquet segments into one file with DuckDB (it reads many files and writes one, streaming), and
// publishing a capture's finished files from its private folder. Shared by segment-writer.ts and recover.ts.

import type { DuckDBConnection } from "@duckdb/node-api";
import type { ColumnSpec } from "../frame/frame.js";
import { concatFrames } from "../frame/concat.js";
import { frameKv, writeParquetInto } from "../frame/parquet.js";
import { kvClause } from "../frame/parquet-write.js";
import { sqlString } from "../frame/duckdb-session.js";
import type { PrivateDir } from "../frame/safe-file.js";
import type { CaptureMeta } from "./capture-meta.js";
import { captureKv } from "./capture-kv.js";
import type { OutputDir } from "./output-dir.js";
import { liveSegments, PART } from "./spill-layout.js";

/**
 * Writes `parts` (files of `dir`, in order) as the new file `name` in `dir` with `kv` as its key-value metadata,
 * created exclusively and sealed like writeParquetInto. One thread, so rows keep their order.
 */
export async function mergeSegments(
  con: DuckDBConnection,
  dir: PrivateDir,
  parts: readonly string[],
  name: string,
  kv: Record<string, string>,
  mode: number,
): Promise<void> {
  const ino = dir.createFile(name, mode);
  try {
    const list = `[${parts.map((p) => sqlString(dir.path(p))).join(", ")}]`;
    await con.run(
      `COPY (SELECT * FROM read_parquet(${list})) TO ${sqlString(dir.path(name))} ` +
        `(FORMAT PARQUET, COMPRESSION ZSTD, USE_TMP_FILE false${kvClause(kv)})`,
    );
    dir.seal(name, ino, mode);
  } catch (e) {
    dir.remove(name);
    throw e;
  }
}

/** One frame of a capture being finished: its name and schema. */
export interface FinishFrame {
  name: string;
  schema: readonly ColumnSpec[];
}

/**
 * Finishes a capture written as segments in the private folder `dir` of `out`: each frame's live segments become
 * `<frame>.parquet` (in `dir` first, then all renamed into `out` together), with `meta` in their metadata; the
 * replaced capture's leftovers and the private folder go. The segments are removed last, so a finish cut off at
 * any point can run again (bpflab recover) from them. Returns the paths written.
 */
export async function finishSegments(
  con: DuckDBConnection,
  dir: PrivateDir,
  out: OutputDir,
  frames: readonly FinishFrame[],
  meta: CaptureMeta,
): Promise<string[]> {
  await con.run("SET threads = 1");
  for (const f of frames) {
    const final = `${f.name}.parquet`;
    const names = dir.list();
    // A merge left by a finish that was cut off may carry other metadata: merge again from the segments,
    // which stay until every file is in place.
    dir.remove(final);
    const kv = { ...captureKv(meta, f.name), ...frameKv(f.name, f.schema) };
    const parts = liveSegments(names, f.name);
    dir.remove(final + PART);
    if (parts.length === 0) {
      await writeParquetInto(
        con,
        concatFrames(f.name, [], f.schema),
        dir,
        final + PART,
        captureKv(meta, f.name),
        out.mode,
      );
    } else {
      await mergeSegments(con, dir, parts, final + PART, kv, out.mode);
    }
    dir.rename(final + PART, final);
  }
  dir.verify();
  const written = frames.map((f) => `${f.name}.parquet`);
  for (const name of written) dir.publish(name, name);
  out.removeReplaced(new Set(written));
  out.settle();
  dir.removeAll();
  return written.map((n) => `${out.path}/${n}`);
}

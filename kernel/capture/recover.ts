// recoverCapture (`bpflab recover DIR`): finishes a capture that was cut off (bpflab killed, crashed, power lost)
// from the segments in its private folder, and clears what a killed save left behind. Pairs with
// segment-writer.ts (which wrote the segments) and load-capture.ts (which reads them unfinished).

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { withDuckDB } from "../frame/duckdb-session.js";
import { readParquetMetadataOn } from "../frame/parquet.js";
import { fdPath, PrivateDir } from "../frame/safe-file.js";
import { DatasetError, OptionError } from "../errors.js";
import type { CaptureMeta } from "./capture-meta.js";
import { findLeftovers } from "./load-capture.js";
import { openOutputForRecovery, ownerAlive, readOwner } from "./output-dir.js";
import { finishSegments } from "./segment-merge.js";
import { liveSegments, PART, SEGMENT_KEY, START_FILE, StartRecord } from "./spill-layout.js";

export interface RecoverResult {
  /** Files written (empty when there was nothing to finish). */
  paths: string[];
  /** Metadata of the finished capture (interrupted, with `recovered` and `missing`). */
  meta?: CaptureMeta;
  /** Segments the capture was finished from. */
  segments: number;
  /** Leftovers of killed saves that were removed (their data was already lost). */
  removed: string[];
}

/**
 * Finishes the cut-off capture in `dir`: merges its segments into `<collector>.parquet` files (the metadata says
 * `interrupted: true`, when and why it was recovered, and what is missing), and removes leftovers of saves that
 * were killed. Refuses while the capture is still being written, and folders of other users. A folder holding a
 * finished capture and nothing else is left as it is.
 *
 * @example const { paths } = await recoverCapture("/tmp/cap");
 */
export async function recoverCapture(dir: string): Promise<RecoverResult> {
  const left = findLeftovers(dir);
  if (left.segments.length > 1) {
    throw new DatasetError(
      `${dir} holds the segments of ${left.segments.length} captures (${left.segments.join(", ")})`,
      "move all but one of those folders into folders of their own and recover each there",
    );
  }
  let start: StartRecord | undefined;
  if (left.segments.length === 1) {
    start = JSON.parse(readFileSync(join(dir, left.segments[0]!, START_FILE), "utf8")) as StartRecord;
  }
  const out = openOutputForRecovery(dir, start?.mode);
  try {
    const removed: string[] = [];
    for (const name of [...left.saves, ...left.oldTemps]) {
      if (left.saves.includes(name) && ownerAlive(readOwner(out.fd, name))) continue; // a save in progress
      rmSync(fdPath(out.fd, name), { recursive: true, force: true });
      removed.push(name);
    }
    if (!start) return { paths: [], segments: 0, removed };
    const name = left.segments[0]!;
    const owner = readOwner(out.fd, name);
    if (ownerAlive(owner)) {
      throw new OptionError(
        `the capture in ${out.path} is still being written (by pid ${owner!.pid})`,
        "wait for it to end; `bpflab show` reads what it has written so far",
      );
    }
    const priv = PrivateDir.adopt(out.fd, name);
    try {
      for (const f of priv.list()) if (f.endsWith(PART)) priv.remove(f);
      const names = priv.list();
      const segs = start.frames.flatMap((f) => liveSegments(names, f.name));
      return await withDuckDB(async (con) => {
        let endMs = 0;
        for (const s of segs) {
          const kv = await readParquetMetadataOn(con, priv.path(s));
          const info = kv[SEGMENT_KEY] ? (JSON.parse(kv[SEGMENT_KEY]) as { endMs?: number }) : {};
          endMs = Math.max(endMs, info.endMs ?? 0);
        }
        const meta = recoveredMeta(start!, endMs);
        const paths = await finishSegments(con, priv, out, start!.frames, meta);
        return { paths, meta, segments: segs.length, removed };
      });
    } finally {
      priv.close();
    }
  } finally {
    out.close();
  }
}

/** The final metadata of a recovered capture: the end record's if the capture got to write one, else the start's. */
function recoveredMeta(start: StartRecord, endMs: number): CaptureMeta {
  const at = new Date().toISOString();
  if (start.ended) {
    return { ...start.meta, recovered: { at, reason: "its final files were being written when bpflab stopped" } };
  }
  return {
    ...start.meta,
    elapsedMs: endMs,
    interrupted: true,
    recovered: { at, reason: "bpflab stopped before the end of the capture (killed, crashed or power lost)" },
    missing: [
      "the rows after its last segment",
      "lost-event counts (read from the kernel when a capture ends)",
      ...(start.meta.command ? ["the exit code of the traced command"] : []),
    ],
  };
}

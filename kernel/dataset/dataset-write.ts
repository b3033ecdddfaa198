// Writes a capture into a fleet dataset (layout.ts): one file per collector and UTC day of its rows, in folders
// created 0700 without following symlinks, each file written under a private name and linked in (never replaced).

import { chmodSync, linkSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join, relative, sep } from "node:path";
import type { Capture } from "../capture/capture.js";
import { captureKv } from "../capture/capture-files.js";
import { withDuckDB } from "../frame/duckdb-session.js";
import { writeParquetOn } from "../frame/parquet.js";
import { DatasetError } from "../errors.js";
import { partitionDir, partitionValue, utcDate } from "./layout.js";

/** Key-value metadata: the partition a file was written to (host as captured, before partitionValue). */
export const DATASET_HOST_KEY = "bpflab.dataset.host";

/** Creates `dir` and any missing parent below `root` with mode 0700; a symlink or a file on the way is an error. */
function makeDirs(root: string, dir: string): void {
  const rel = relative(root, dir).split(sep).filter(Boolean);
  let at = root;
  for (const part of ["", ...rel]) {
    at = part ? join(at, part) : at;
    try {
      // The root may need its parents (the user named it); below it, one level at a time, each one checked.
      mkdirSync(at, part ? { mode: 0o700 } : { mode: 0o700, recursive: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new DatasetError(`cannot create ${at}: ${(e as Error).message}`, "pick a dataset root you can write to", {
          cause: e,
        });
      }
    }
    const st = lstatSync(at);
    if (!st.isDirectory()) {
      throw new DatasetError(
        `${at} is ${st.isSymbolicLink() ? "a symlink" : "not a folder"}; bpflab writes datasets into real folders only`,
        "remove it or pick another dataset root",
      );
    }
  }
}

/** "20261201T101500Z" from µs since the epoch: file names that sort by capture start. */
function compactTime(micros: number): string {
  return new Date(micros / 1000)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Adds `cap` to the dataset at `root` (created if needed): for each collector and each UTC day its rows fall on,
 * `root/collector=<c>/host=<host>/date=<day>/<start>-<id>.parquet` (id: a hash of the capture's metadata),
 * readable only by its owner, with the capture's metadata inside. Returns the paths written; a capture already in
 * the dataset writes nothing again. Empty frames write no file.
 *
 * @example await writeToDataset(cap, "/data/bpflab"); // then bpflab sql /data/bpflab "SELECT host, ... FROM sched"
 */
export async function writeToDataset(cap: Capture, root: string): Promise<string[]> {
  const host = cap.meta.host;
  const stamp = compactTime(cap.meta.wallStartUs);
  // Named after the capture itself, so adding the same capture again finds its files there and adds nothing.
  const id = createHash("sha256").update(JSON.stringify(cap.meta)).digest("hex").slice(0, 12);
  makeDirs(root, root);
  return withDuckDB(async (con) => {
    const paths: string[] = [];
    for (const collector of cap.collectors) {
      const frame = cap.frame(collector);
      if (frame.length === 0) continue;
      // A capture that runs over midnight (UTC) goes to both days' partitions, so a date filter stays exact.
      const ts = frame.has("ts") ? frame.numeric("ts") : undefined;
      const days = new Map<string, number[]>();
      for (let i = 0; i < frame.length; i++) {
        const day = utcDate(ts ? ts[i]! : cap.meta.wallStartUs);
        let rows = days.get(day);
        if (!rows) days.set(day, (rows = []));
        rows.push(i);
      }
      for (const [day, rows] of days) {
        const dir = partitionDir(root, collector, host, day);
        makeDirs(root, dir);
        const part = rows.length === frame.length ? frame : frame.take(rows);
        const name = `${stamp}-${id}.parquet`;
        const tmp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
        const final = join(dir, name);
        try {
          await writeParquetOn(con, part, tmp, {
            ...captureKv(cap.meta, collector),
            [DATASET_HOST_KEY]: host,
            "bpflab.dataset.partition": `collector=${partitionValue(collector)}/host=${partitionValue(host)}/date=${day}`,
          });
          chmodSync(tmp, 0o600);
          try {
            linkSync(tmp, final); // fails if the name exists: nothing in a dataset is ever overwritten
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            continue; // this capture's rows are there already
          }
        } finally {
          try {
            unlinkSync(tmp);
          } catch {
            // already gone
          }
        }
        paths.push(final);
      }
    }
    return paths;
  });
}

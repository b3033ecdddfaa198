// loadCapture: a saved capture read back (no root needed), finished or cut off. A cut-off capture (bpflab killed
// while writing segments) reads from its private folder and comes back marked `complete: false`, saying what is
// missing. Pairs with save-capture.ts, segment-writer.ts and recover.ts.

import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { Capture } from "./capture.js";
import { CaptureMeta, SCHEMA_VERSION } from "./capture-meta.js";
import type { Frame } from "../frame/frame.js";
import { concatFrames } from "../frame/concat.js";
import { readParquetMetadataOn, readParquetOn } from "../frame/parquet.js";
import { withDuckDB } from "../frame/duckdb-session.js";
import { PRIVATE_PREFIX } from "../frame/safe-file.js";
import { DatasetError } from "../errors.js";
import { COLLECTOR_KEY, META_KEY } from "./capture-kv.js";
import { ownerAlive, Owner, OWNER_FILE } from "./output-dir.js";
import { liveSegments, SEGMENT_KEY, START_FILE, StartRecord } from "./spill-layout.js";
import { upgradeFrames } from "./schema-upgrade.js";

/** Oldest schema version this bpflab can read. */
export const MIN_SCHEMA_VERSION = 1;

const SAVE_HINT = "save a capture with capture.toParquet(dir) or `bpflab capture --out DIR`";

/** What a capture folder holds besides finished files: private folders of captures or saves that did not end. */
export interface Leftovers {
  /** Private folders holding a capture's segments (a start record). */
  segments: string[];
  /** Private folders of a save that did not finish (no start record): their data was lost with that process. */
  saves: string[];
  /** Temporary files of an older bpflab's killed save ("<c>.parquet.tmp-PID-TIME"). */
  oldTemps: string[];
}

/** Sorts the entries of a capture folder that are not finished files. */
export function findLeftovers(dir: string): Leftovers {
  const out: Leftovers = { segments: [], saves: [], oldTemps: [] };
  for (const name of readdirSync(dir).sort()) {
    if (/\.parquet\.tmp-\d+-\d+$/.test(name)) out.oldTemps.push(name);
    else if (name.startsWith(PRIVATE_PREFIX) && lstatSync(join(dir, name)).isDirectory()) {
      let hasStart = false;
      try {
        hasStart = lstatSync(join(dir, name, START_FILE)).isFile();
      } catch {
        // unreadable (another user's folder) or absent: not a capture's segments we can read
      }
      (hasStart ? out.segments : out.saves).push(name);
    }
  }
  return out;
}

function parquetFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".parquet"))
    .sort();
}

/** The CaptureMeta of one file, checked for the fields loadCapture relies on and for a readable schema version. */
export function parseMeta(json: string, path: string): CaptureMeta {
  let meta: CaptureMeta;
  try {
    meta = JSON.parse(json) as CaptureMeta;
  } catch (e) {
    throw new DatasetError(
      `${path}: "${META_KEY}" metadata is not JSON`,
      "the file's metadata is damaged; its data can still be read with readParquet(path)",
      { cause: e },
    );
  }
  checkMeta(meta, path);
  return meta;
}

function checkMeta(meta: CaptureMeta, path: string): void {
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
}

/**
 * Reads a capture saved by saveCapture or `bpflab capture --out` (no root needed): one Frame per collector, named
 * after it, and the CaptureMeta. Checks that the folder holds a capture, that all its bpflab files belong to the
 * same capture, that none of the capture's collectors is missing, and that the schema version is one this bpflab
 * reads (older versions are mapped forward); each failure is a DatasetError with a hint. A capture that was cut
 * off reads from its segments, with `meta.complete === false` and `meta.missing` saying what is missing (finish
 * it with `bpflab recover DIR`). Parquet files that bpflab did not write are ignored.
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
  const left = findLeftovers(dir);
  if (left.segments.length > 1) {
    throw new DatasetError(
      `${dir} holds the segments of ${left.segments.length} captures that were cut off (${left.segments.join(", ")})`,
      "keep one capture per folder: move all but one of those folders elsewhere, then `bpflab recover DIR`",
    );
  }
  return withDuckDB(async (con) => {
    if (left.segments.length === 1) return readCutOff(con, dir, left.segments[0]!);
    const files = parquetFiles(dir);
    if (files.length === 0) {
      if (left.saves.length || left.oldTemps.length) throw killedSave(dir, left, []);
      throw new DatasetError(`${dir} holds no capture (no .parquet files)`, SAVE_HINT);
    }
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
      if (left.saves.length || left.oldTemps.length) throw killedSave(dir, left, missing);
      throw new DatasetError(
        `capture in ${dir} is incomplete: no file for ` + missing.map((c) => `${c}.parquet`).join(", "),
        "the file was moved or deleted after the capture was saved: copy it back next to the others " +
          "(a capture's files belong together)",
      );
    }
    // every frame of the capture: the collectors' main frames first, then the others (their extra frames such as
    // <collector>_hist, drops, labels) in name order
    const names = [...meta.collectors, ...[...byCollector.keys()].filter((n) => !meta.collectors.includes(n)).sort()];
    const frames: Record<string, Frame> = {};
    for (const c of names) frames[c] = (await readParquetOn(con, byCollector.get(c)!, { name: c })).frame;
    return new Capture(upgradedMeta(meta), upgradeFrames(frames, meta));
  });
}

/** The schema version a loaded capture's frames have after upgradeFrame. */
function upgradedMeta(meta: CaptureMeta): CaptureMeta {
  return meta.schemaVersion === SCHEMA_VERSION ? meta : { ...meta, schemaVersion: SCHEMA_VERSION };
}

function killedSave(dir: string, left: Leftovers, missing: string[]): DatasetError {
  const names = [...left.saves, ...left.oldTemps];
  return new DatasetError(
    `the save of the capture in ${dir} was killed before it finished` +
      (missing.length ? `: no file for ${missing.map((c) => `${c}.parquet`).join(", ")}` : "") +
      ` (leftovers: ${names.join(", ")})`,
    "a save's data is in memory until it ends, so what it had not written is gone: remove the leftovers " +
      `(rm -r ${names.map((n) => join(dir, n)).join(" ")}) and save again, or capture again ` +
      "with `bpflab capture --out`, which writes segments as it goes",
  );
}

/** Reads a capture from its private folder `priv` (segments, merged files) and any of its files already moved in. */
async function readCutOff(con: DuckDBConnection, dir: string, priv: string): Promise<Capture> {
  const privPath = join(dir, priv);
  let start: StartRecord;
  try {
    start = JSON.parse(readFileSync(join(privPath, START_FILE), "utf8")) as StartRecord;
    checkMeta(start.meta, join(privPath, START_FILE));
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(
      `${join(privPath, START_FILE)} is damaged: ${(e as Error).message}`,
      "the start record of a cut-off capture could not be read; its segments can still be read one by one " +
        "with readParquet(path)",
      { cause: e },
    );
  }
  let owner: Owner | undefined;
  try {
    owner = JSON.parse(readFileSync(join(privPath, OWNER_FILE), "utf8")) as Owner;
  } catch {
    owner = undefined;
  }
  const running = ownerAlive(owner);
  const inPriv = readdirSync(privPath).sort();
  const frames: Record<string, Frame> = {};
  let endMs = 0;
  for (const f of start.frames) {
    const final = `${f.name}.parquet`;
    if (inPriv.includes(final)) {
      frames[f.name] = (await readParquetOn(con, join(privPath, final), { name: f.name })).frame;
      continue;
    }
    const moved = join(dir, final);
    const movedKv = await readParquetMetadataOn(con, moved).catch(() => undefined);
    if (movedKv && sameCapture(movedKv[META_KEY], start.meta)) {
      frames[f.name] = (await readParquetOn(con, moved, { name: f.name })).frame;
      continue;
    }
    const chunks: Frame[] = [];
    for (const seg of liveSegments(inPriv, f.name)) {
      const { frame, kv } = await readParquetOn(con, join(privPath, seg), { name: f.name });
      chunks.push(frame);
      const info = kv[SEGMENT_KEY] ? (JSON.parse(kv[SEGMENT_KEY]) as { endMs?: number }) : {};
      endMs = Math.max(endMs, info.endMs ?? 0);
    }
    frames[f.name] = concatFrames(f.name, chunks, f.schema);
  }
  const missing: string[] = [];
  if (running) missing.push(`the rest of the capture: it is still being written by pid ${owner!.pid}`);
  else if (!start.ended) {
    missing.push("the rows after its last segment (bpflab stopped before the end: killed, crashed or power lost)");
    missing.push("lost-event counts (read from the kernel when a capture ends)");
  }
  missing.push(`its final files: run \`bpflab recover ${dir}\` to write them`);
  const meta: CaptureMeta = {
    ...start.meta,
    ...(start.ended ? {} : { elapsedMs: endMs, interrupted: true }),
    complete: false,
    missing,
  };
  return new Capture(upgradedMeta(meta), upgradeFrames(frames, meta));
}

/** True when a file's "bpflab.meta" JSON is the capture that `start` began. */
export function sameCapture(json: string | undefined, start: CaptureMeta): boolean {
  if (!json) return false;
  try {
    const m = JSON.parse(json) as CaptureMeta;
    return m.host === start.host && m.monoStartNs === start.monoStartNs && m.wallStartUs === start.wallStartUs;
  } catch {
    return false;
  }
}

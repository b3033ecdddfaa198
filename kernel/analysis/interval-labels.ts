// Interval labels (ground truth as "this entity misbehaved from start_s to end_s"), read from CSV, Parquet or a
// capture's own labels frame, and matched to feature rows by time and entity. Pairs with compare/event-metrics.ts.

import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { DatasetError } from "../errors.js";
import { Frame, isStringColumn } from "../frame/frame.js";
import type { Features } from "../features/features.js";
import type { LabelledEvent } from "../compare/event-metrics.js";

/** One labelled anomaly. At least one of pids, comm or cgroup_id says whom it concerns. */
export interface IntervalLabel {
  kind: string;
  /** Seconds since capture start. */
  start_s: number;
  end_s: number;
  pids?: number[];
  comm?: string;
  cgroup_id?: string;
  /** The primary signal the anomaly moves ("sched:oncpu_ns", "syscalls:getppid count"), when the label says. */
  signal?: string;
  /** Every signal it moves, "; "-separated "collector:column up|down", primary first (scenario labels). */
  signals?: string;
  /** anomaly (the process to find), cause (what brought it about) or affected (a side effect), if given. */
  role?: string;
  description?: string;
}

const FORMAT_HINT =
  "give a CSV or Parquet table with start_s and end_s (seconds since capture start), a kind, and pid (or pids), " +
  "comm or cgroup_id, e.g. the header kind,pid,comm,start_s,end_s,description";

/**
 * Interval labels from a table: start_s/end_s (or start/end), kind, and pid, pids ("12;13" or "12 13"), comm or
 * cgroup_id; signal and description are kept when present. `source` names the table in errors.
 */
export function labelsFromFrame(frame: Frame, source: string): IntervalLabel[] {
  const col = (...names: string[]): string | undefined => names.find((n) => frame.has(n));
  const startCol = col("start_s", "start");
  const endCol = col("end_s", "end");
  if (!startCol || !endCol) {
    throw new DatasetError(`${source}: no start_s/end_s columns (it has ${frame.columnNames.join(", ")})`, FORMAT_HINT);
  }
  const text = (name: string | undefined, i: number): string | undefined => {
    if (!name) return undefined;
    const c = frame.column(name);
    const v = isStringColumn(c) ? c.dict[c.codes[i]!] : String(frame.values(name)[i]);
    return v === undefined || v === "" ? undefined : v;
  };
  const pidCol = col("pids", "pid");
  const commCol = col("comm");
  const cgCol = col("cgroup_id", "cgroup");
  const start = frame.numeric(startCol);
  const end = frame.numeric(endCol);
  const out: IntervalLabel[] = [];
  for (let i = 0; i < frame.length; i++) {
    const pidText = text(pidCol, i);
    const pids = pidText
      ?.split(/[;| ,]+/)
      .filter(Boolean)
      .map(Number);
    const label: IntervalLabel = {
      kind: text(col("kind"), i) ?? "anomaly",
      start_s: start[i]!,
      end_s: end[i]!,
      ...(pids?.length ? { pids } : {}),
      ...(text(commCol, i) ? { comm: text(commCol, i)! } : {}),
      ...(text(cgCol, i) ? { cgroup_id: text(cgCol, i)! } : {}),
      ...(text(col("signal"), i) ? { signal: text(col("signal"), i)! } : {}),
      ...(text(col("signals"), i) ? { signals: text(col("signals"), i)! } : {}),
      ...(text(col("role"), i) ? { role: text(col("role"), i)! } : {}),
      ...(text(col("description"), i) ? { description: text(col("description"), i)! } : {}),
    };
    const where = `${source}: label ${i + 1} (${label.kind})`;
    if (!Number.isFinite(label.start_s) || !Number.isFinite(label.end_s) || !(label.end_s > label.start_s)) {
      throw new DatasetError(
        `${where} has start_s ${label.start_s} and end_s ${label.end_s}`,
        "start_s and end_s are seconds since capture start, with end_s after start_s",
      );
    }
    if (pids?.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new DatasetError(`${where} has a bad pid: ${JSON.stringify(pidText)}`, "pids are non-negative integers");
    }
    if (!label.pids && !label.comm && !label.cgroup_id) {
      throw new DatasetError(`${where} names no pid, comm or cgroup_id`, FORMAT_HINT);
    }
    out.push(label);
  }
  return out;
}

/**
 * Reads interval labels from a CSV file, a Parquet file, or a capture directory (its labels.parquet or labels.csv).
 * @example const labels = await readIntervalLabels("datasets/redis-injected/labels.csv");
 */
export async function readIntervalLabels(path: string): Promise<IntervalLabel[]> {
  if (!existsSync(path)) throw new DatasetError(`no such labels file: ${path}`, FORMAT_HINT);
  if (statSync(path).isDirectory()) {
    for (const f of ["labels.parquet", "labels.csv"])
      if (existsSync(join(path, f))) return readIntervalLabels(join(path, f));
    throw new DatasetError(
      `${path} holds no labels.parquet or labels.csv`,
      "pass the labels file itself with --labels FILE",
    );
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".parquet") {
    const { readParquet } = await import("../frame/parquet.js");
    let frame: Frame;
    try {
      frame = (await readParquet(path)).frame;
    } catch {
      frame = (await readParquet(path, { foreign: true })).frame;
    }
    return labelsFromFrame(frame, path);
  }
  if (ext === ".csv") {
    const { parseCsv } = await import("../frame/read-csv.js");
    return labelsFromFrame(parseCsv(quoteFreeText(readFileSync(path, "utf8")), "labels"), path);
  }
  throw new DatasetError(`labels ${path}: unknown file type "${ext}"`, FORMAT_HINT);
}

/** Rows to match labels to: keys with a time column and pid, comm or cgroup_id (Features satisfy it). */
export type LabelTarget = Pick<Features, "keys" | "windowS">;

/**
 * Labels files end in a free-text description that may hold commas (scripts/make-dataset.ts writes them unquoted):
 * when the last header column is "description", extra fields on a line are joined back into it and quoted.
 */
function quoteFreeText(text: string): string {
  const lines = text.split(/\r?\n/);
  const head = lines[0]?.split(",") ?? [];
  if (head[head.length - 1] !== "description") return text;
  return lines
    .map((l, i) => {
      if (i === 0 || l.includes('"')) return l;
      const cells = l.split(",");
      if (cells.length <= head.length) return l;
      const tail = cells.slice(head.length - 1).join(",");
      return [...cells.slice(0, head.length - 1), `"${tail}"`].join(",");
    })
    .join("\n");
}

/** Whether a row's entity is the label's (by pid/tid: pid; by comm: comm; by cgroup: cgroup_id). */
function entityMatcher(f: LabelTarget): (label: IntervalLabel, row: number) => boolean {
  const k = f.keys;
  const pid = k.has("pid") ? k.numeric("pid") : undefined;
  const comm = k.has("comm") ? k.strings("comm") : undefined;
  const cg = k.has("cgroup_id") ? k.values("cgroup_id").map(String) : undefined;
  return (l, r) => {
    if (pid && l.pids) return l.pids.includes(pid[r]!);
    if (comm && l.comm !== undefined) return comm[r] === l.comm;
    if (cg && l.cgroup_id !== undefined) return cg[r] === l.cgroup_id;
    return false;
  };
}

/**
 * Matches labels to features rows: row r belongs to label l when its entity is l's and its window
 * [t, t + windowS) overlaps [start_s, end_s) (t = the `time` column, default t_s). Returns the 0/1 label per row and, per label, the entity keys of
 * its rows (as events for eventMetrics). A label matching no row is an error: labels of another capture (pids
 * differ between runs) or of an entity the features leave out.
 */
export function matchLabels(
  f: LabelTarget,
  labels: readonly IntervalLabel[],
  opts: { time?: string } = {},
): { rowLabels: Uint8Array; events: (LabelledEvent & { label: IntervalLabel })[] } {
  const t = f.keys.numeric(opts.time ?? "t_s");
  const entity = entityKeys(f);
  const same = entityMatcher(f);
  const rowLabels = new Uint8Array(f.keys.length);
  const events = labels.map((l) => {
    const ents = new Set<string>();
    for (let r = 0; r < rowLabels.length; r++) {
      if (t[r]! < l.end_s && t[r]! + f.windowS > l.start_s && same(l, r)) {
        rowLabels[r] = 1;
        ents.add(entity[r]!);
      }
    }
    if (ents.size === 0) {
      const who = [
        l.pids && `pid ${l.pids.join(",")}`,
        l.comm && `comm ${l.comm}`,
        l.cgroup_id && `cgroup ${l.cgroup_id}`,
      ]
        .filter(Boolean)
        .join(", ");
      throw new DatasetError(
        `label "${l.kind}" (${who}, ${l.start_s.toFixed(1)}–${l.end_s.toFixed(1)} s) matches no row of this capture`,
        "check that the labels belong to this capture (pids differ between runs) and that times are seconds since its start",
      );
    }
    return { start_s: l.start_s, end_s: l.end_s, entities: [...ents], kind: l.kind, label: l };
  });
  return { rowLabels, events };
}

/** A string key per row naming its entity: "pid 123", "tid 124", "comm nginx" or "cgroup 42". */
export function entityKeys(f: LabelTarget): string[] {
  const k = f.keys;
  if (k.has("tid")) return Array.from(k.numeric("tid"), (v) => `tid ${v}`);
  if (k.has("pid")) return Array.from(k.numeric("pid"), (v) => `pid ${v}`);
  if (k.has("comm")) return k.strings("comm").map((v) => `comm ${v}`);
  if (k.has("cgroup_id")) return k.values("cgroup_id").map((v) => `cgroup ${String(v)}`);
  return new Array<string>(k.length).fill("all");
}

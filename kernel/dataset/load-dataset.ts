// loadDataset(): the captures of a fleet dataset (layout.ts), narrowed by host and time, as frames with a host
// column, per-host Captures for the detectors, and SQL over the same files.

import { ColumnData, ColumnSpec, Frame, StringColumn } from "../frame/frame.js";
import { concatFrames } from "../frame/concat.js";
import { readParquetOn } from "../frame/parquet.js";
import { withDuckDB } from "../frame/duckdb-session.js";
import { Capture, CaptureMeta } from "../capture/capture.js";
import { META_KEY } from "../capture/capture-files.js";
import { DatasetError, OptionError } from "../errors.js";
import { DatasetFile, datasetFiles, isDataset, utcDate } from "./layout.js";
import { DATASET_HOST_KEY } from "./dataset-write.js";

export interface LoadDatasetOptions {
  /** Only these hosts (as captured; default all). */
  hosts?: readonly string[];
  /** Only rows at or after this time: a Date, an ISO string, or ms since the epoch. */
  from?: Date | string | number;
  /** Only rows before this time. */
  to?: Date | string | number;
  /** Only these collectors (default all). */
  collectors?: readonly string[];
}

/** µs since the epoch of a time option; an OptionError that echoes a bad one. */
function micros(v: Date | string | number | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(ms))
    throw new OptionError(
      `bad ${what}: ${JSON.stringify(v)}`,
      'give a Date, an ISO time such as "2026-12-01T10:00:00Z" or ms since the epoch',
    );
  return ms * 1000;
}

/** A frame with some columns replaced (the others shared, not copied). */
export function withColumns(f: Frame, replace: Record<string, ColumnData>, extra: ColumnSpec[] = []): Frame {
  const cols: Record<string, ColumnData> = {};
  for (const s of f.schema) cols[s.name] = replace[s.name] ?? f.column(s.name);
  for (const s of extra) cols[s.name] = replace[s.name]!;
  return new Frame(f.name, [...f.schema, ...extra], cols, f.length);
}

/**
 * t_s moved from its capture's start to `originUs`, so rows of several captures share one clock. Shifted rather
 * than recomputed from ts: a capture's own t_s (monotonic clock) then stays exactly as captured when it starts
 * the selection, and rows on a window boundary stay in their window.
 */
function rebaseT(f: Frame, captureStartUs: number, originUs: number): Frame {
  if (!f.has("t_s") || captureStartUs === originUs) return f;
  const src = f.numeric("t_s");
  const shift = (captureStartUs - originUs) / 1e6;
  const t = new Float64Array(f.length);
  for (let i = 0; i < t.length; i++) t[i] = src[i]! + shift;
  return withColumns(f, { t_s: t });
}

interface Part {
  file: DatasetFile;
  host: string;
  meta: CaptureMeta;
  frame: Frame;
}

/** The captures of a dataset, narrowed by host, time and collector. */
export class Dataset {
  readonly root: string;
  /** Hosts with data in the selection, as captured. */
  readonly hosts: string[];
  readonly collectors: string[];
  /** The distinct captures the selection draws on, earliest first. */
  readonly captures: CaptureMeta[];
  private readonly parts: Part[];

  constructor(root: string, parts: Part[]) {
    this.root = root;
    this.parts = parts;
    this.hosts = [...new Set(parts.map((p) => p.host))].sort();
    const seen = new Map<string, CaptureMeta>();
    for (const p of parts) seen.set(JSON.stringify(p.meta), p.meta);
    this.captures = [...seen.values()].sort((a, b) => a.wallStartUs - b.wallStartUs);
    // In the order the captures had them (features' row order, and so seeded detectors, follow frame order).
    const present = new Set(parts.map((p) => p.file.collector));
    this.collectors = [...new Set([...this.captures.flatMap((m) => m.collectors), ...present])].filter((c) =>
      present.has(c),
    );
  }

  /** Earliest start of the selected captures (µs since the epoch). */
  get startUs(): number {
    return Math.min(...this.captures.map((m) => m.wallStartUs));
  }

  /**
   * One collector's rows over every selected host, with a `host` column; `t_s` counts from the dataset's
   * earliest start, so the same t_s is the same moment on every host.
   */
  frame(collector: string): Frame {
    const parts = this.parts.filter((p) => p.file.collector === collector);
    if (parts.length === 0) {
      throw new OptionError(
        `this dataset selection has no "${collector}" rows`,
        `it has: ${this.collectors.join(", ") || "none"}`,
      );
    }
    const origin = this.startUs;
    const hostSpec: ColumnSpec = { name: "host", type: "str", description: "host the row was captured on" };
    const chunks = parts.map((p) => {
      const host: StringColumn = { codes: new Uint32Array(p.frame.length), dict: [p.host] };
      return withColumns(rebaseT(p.frame, p.meta.wallStartUs, origin), { host }, [hostSpec]);
    });
    return concatFrames(collector, chunks);
  }

  /** The rows of one host as a Capture (its captures joined, t_s from its earliest start), for findAnomalies. */
  capture(host: string): Capture {
    const parts = this.parts.filter((p) => p.host === host);
    if (parts.length === 0)
      throw new OptionError(`no data for host "${host}" in this selection`, `hosts: ${this.hosts.join(", ")}`);
    const metas = [...new Map(parts.map((p) => [JSON.stringify(p.meta), p.meta])).values()].sort(
      (a, b) => a.wallStartUs - b.wallStartUs,
    );
    const first = metas[0]!;
    const start = first.wallStartUs;
    const end = Math.max(...metas.map((m) => m.wallStartUs + m.elapsedMs * 1000));
    // In the order the capture had them (features' row order, and so seeded detectors, follow frame order).
    const present = new Set(parts.map((p) => p.file.collector));
    const collectors = [...new Set([...metas.flatMap((m) => m.collectors), ...present])].filter((c) => present.has(c));
    const lost: Record<string, number> = {};
    for (const m of metas) for (const [c, n] of Object.entries(m.lost)) lost[c] = (lost[c] ?? 0) + n;
    const meta: CaptureMeta = {
      ...first,
      host,
      durationMs: (end - start) / 1000,
      elapsedMs: (end - start) / 1000,
      collectors,
      lost,
      interrupted: metas.some((m) => m.interrupted),
    };
    const frames: Record<string, Frame> = {};
    for (const c of collectors) {
      frames[c] = concatFrames(
        c,
        parts.filter((p) => p.file.collector === c).map((p) => rebaseT(p.frame, p.meta.wallStartUs, start)),
      );
    }
    return new Capture(meta, frames);
  }

  toString(): string {
    return `Dataset ${this.root}: ${this.hosts.length} hosts (${this.hosts.join(", ")}), ${this.captures.length} captures, collectors ${this.collectors.join(", ")}`;
  }
}

/**
 * Loads the captures of a dataset written by `bpflab capture --dataset ROOT` (or `bpflab import`), narrowed by
 * host, time and collector: whole host and date partitions outside the selection are not even opened. No root
 * needed. For SQL over the same files, use query(ROOT, sql).
 *
 * @example
 *   const ds = await loadDataset("/data/bpflab", { hosts: ["web1", "web2"], from: "2026-12-01T10:00:00Z" });
 *   ds.frame("sched")                                   // every host's rows, with a host column
 *   findAnomalies(ds.capture("web1"), { by: "pid" })    // one host
 */
export async function loadDataset(root: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  if (!isDataset(root)) {
    throw new DatasetError(
      `${root} is not a bpflab dataset (no collector=… folders)`,
      "write one with bpflab capture --dataset ROOT or bpflab import DIR --dataset ROOT",
    );
  }
  const from = micros(opts.from, "from");
  const to = micros(opts.to, "to");
  const files = datasetFiles(root, {
    ...(opts.collectors ? { collectors: opts.collectors } : {}),
    ...(opts.hosts ? { hosts: opts.hosts } : {}),
    ...(from !== undefined ? { fromDate: utcDate(from) } : {}),
    ...(to !== undefined ? { toDate: utcDate(to) } : {}),
  });
  const wanted = opts.hosts ? new Set(opts.hosts) : undefined;
  const parts = await withDuckDB(async (con) => {
    const out: Part[] = [];
    for (const file of files) {
      const { frame, kv } = await readParquetOn(con, file.path, { name: file.collector });
      const json = kv[META_KEY];
      if (json === undefined) continue; // not a bpflab file: SQL still reads it
      const meta = JSON.parse(json) as CaptureMeta;
      const host = kv[DATASET_HOST_KEY] ?? meta.host;
      if (wanted && !wanted.has(host)) continue;
      let f = frame;
      if ((from !== undefined || to !== undefined) && f.has("ts")) {
        const ts = f.numeric("ts");
        f = f.filter((i) => (from === undefined || ts[i]! >= from) && (to === undefined || ts[i]! < to));
      }
      if (f.length > 0) out.push({ file, host, meta, frame: f });
    }
    return out;
  });
  return new Dataset(root, parts);
}

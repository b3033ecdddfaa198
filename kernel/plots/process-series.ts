// Per-process time series from long-format rows (t_s, process, value): the shared input of the timeline and the
// heatmap. Rows come from a collector's Frame ("sched", "syscalls") or from plain arrays.

import { Frame, isStringColumn } from "../frame/frame.js";
import { OptionError } from "../errors.js";

/** Long-format rows: one value per (time, process); several rows of one pair (threads) are summed. */
export interface ProcessRows {
  /** Seconds since capture start. */
  t_s: ArrayLike<number>;
  /** Process label per row ("nginx (1234)") or a pid. */
  label: ArrayLike<string | number>;
  value: ArrayLike<number>;
}

/** How values are shown: raw numbers, ns as ms, or ns per interval as % of one CPU. */
export type ValueScale = "auto" | "raw" | "ms" | "pct";

export interface ProcessSeriesOptions {
  /** Numeric column of the frame, e.g. "oncpu_ns", "runq_ns", "count", "errors". */
  metric?: string;
  /** Group rows by process (pid, labelled "comm (pid)") or by command name. Default "pid". */
  by?: "pid" | "comm";
  /** Keep the N processes with the largest total. Default 8. */
  topN?: number;
  /** Time bin (s). Default: the frame's own intervals, or 1/400 of the span when there are more than 2000. */
  binS?: number;
  /** "auto" (default): oncpu_ns → % of one CPU, other *_ns → ms, the rest raw. */
  scale?: ValueScale;
}

/** Aligned series: `values[k][j]` is process `labels[k]` at time `times[j]` (0 where it had no row). */
export interface ProcessSeries {
  labels: string[];
  times: number[];
  values: Float64Array[];
  /** Total per kept process, in the shown unit × intervals (what the top-N is ranked by). */
  totals: number[];
  /** Processes present before the top-N cut. */
  processCount: number;
  /** Axis text for the values, with unit: "on-CPU (% of one CPU)". */
  valueTitle: string;
  /** Bin width used (s). */
  binS: number;
}

/** Rows keyed by a number per process (pid or comm code), named only for the processes that are kept. */
interface KeyedRows {
  t_s: ArrayLike<number>;
  key: ArrayLike<number>;
  value: ArrayLike<number>;
  name(key: number): string;
}

function requireColumns(frame: Frame, metric: string, by: "pid" | "comm"): void {
  for (const c of ["t_s", metric, by]) {
    if (!frame.has(c)) {
      throw new OptionError(
        `frame ${frame.name} has no column "${c}"`,
        `per-process plots need t_s, pid, comm and a numeric metric; columns: ${frame.columnNames.join(", ")}`,
      );
    }
  }
}

/**
 * Keys straight from the frame's typed arrays (pid, or comm's dictionary codes): no string per row. A pid is
 * named by its latest process name (the `process` column, the thread-group leader's comm; the thread's comm in
 * captures older than that column), so a process that exec'd shows the name it ended with, and every chart
 * names a process the same way whichever of its threads a row came from.
 */
function keyedFromFrame(frame: Frame, metric: string, by: "pid" | "comm"): KeyedRows {
  requireColumns(frame, metric, by);
  const comm = frame.has("comm") ? frame.column("comm") : undefined;
  const procName = by === "pid" && frame.has("process") ? frame.column("process") : comm;
  const base = { t_s: frame.numeric("t_s"), value: frame.numeric(metric) };
  if (by === "comm") {
    if (!comm || !isStringColumn(comm))
      throw new OptionError(`frame ${frame.name}: comm is not a string column`, "check the schema");
    return { ...base, key: comm.codes, name: (k) => comm.dict[k]! };
  }
  const pidCol = frame.column("pid");
  const pid = isStringColumn(pidCol) ? frame.numeric("pid") : (pidCol as ArrayLike<number | bigint>);
  const key = typeof pid[0] === "bigint" ? frame.numeric("pid") : (pid as ArrayLike<number>);
  let lastComm: Map<number, number> | undefined;
  return {
    ...base,
    key,
    name: (k) => {
      if (!procName || !isStringColumn(procName)) return String(k);
      if (!lastComm) {
        lastComm = new Map();
        for (let i = 0; i < key.length; i++) lastComm.set(key[i]!, procName.codes[i]!);
      }
      const code = lastComm.get(k);
      return code === undefined ? String(k) : `${procName.dict[code]} (${k})`;
    },
  };
}

function keyedFromRows(r: ProcessRows): KeyedRows {
  const n = r.t_s.length;
  if (r.label.length !== n || r.value.length !== n) {
    throw new OptionError(
      `process rows have ${n} times, ${r.label.length} labels and ${r.value.length} values`,
      "pass arrays of equal length (one entry per row)",
    );
  }
  const codes = new Uint32Array(n);
  const names: string[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const l = String(r.label[i]);
    let c = index.get(l);
    if (c === undefined) {
      c = names.length;
      names.push(l);
      index.set(l, c);
    }
    codes[i] = c;
  }
  return { t_s: r.t_s, key: codes, value: r.value, name: (k) => names[k]! };
}

/** Long-format rows of one metric of a collector frame (needs t_s, pid, comm), with a label per row. */
export function frameRows(frame: Frame, metric: string, by: "pid" | "comm" = "pid"): ProcessRows {
  const k = keyedFromFrame(frame, metric, by);
  const names = new Map<number, string>();
  const label = Array.from(k.key, (key) => {
    let s = names.get(key);
    if (s === undefined) names.set(key, (s = k.name(key)));
    return s;
  });
  return { t_s: k.t_s, label, value: k.value };
}

function distinctSorted(t: ArrayLike<number>): number[] {
  const s = new Set<number>();
  for (let i = 0; i < t.length; i++) if (Number.isFinite(t[i]!)) s.add(t[i]!);
  return [...s].sort((a, b) => a - b);
}

function medianStep(times: number[]): number {
  if (times.length < 2) return 0;
  const d = times
    .slice(1)
    .map((v, i) => v - times[i]!)
    .sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

function resolveScale(metric: string, scale: ValueScale): Exclude<ValueScale, "auto"> {
  if (scale !== "auto") return scale;
  if (metric === "oncpu_ns") return "pct";
  return metric.endsWith("_ns") ? "ms" : "raw";
}

const METRIC_NAMES: Record<string, string> = {
  oncpu_ns: "on-CPU",
  runq_ns: "run-queue wait",
  offcpu_ns: "off-CPU",
  vol_switches: "voluntary switches",
  invol_switches: "involuntary switches",
  migrations: "migrations",
  count: "syscalls",
  errors: "failed syscalls",
  latency_ns: "syscall time",
};

/** Human name of a metric column for titles ("on-CPU" for oncpu_ns). */
export function metricName(metric: string): string {
  return METRIC_NAMES[metric] ?? metric;
}

/**
 * Groups long-format rows into one aligned series per process, keeps the top N by total and scales values.
 *
 * @param rows a collector frame (with `options.metric`) or plain long-format arrays
 */
export function processSeries(rows: Frame | ProcessRows, options: ProcessSeriesOptions = {}): ProcessSeries {
  const metric = options.metric ?? "oncpu_ns";
  const r = rows instanceof Frame ? keyedFromFrame(rows, metric, options.by ?? "pid") : keyedFromRows(rows);
  const n = r.t_s.length;
  let times = distinctSorted(r.t_s);
  let binS = options.binS ?? medianStep(times);
  if (options.binS === undefined && times.length > 2000) binS = (times[times.length - 1]! - times[0]!) / 400;
  const origin = times.length ? times[0]! : 0;
  // Bin even the collector's own intervals: their starts jitter by timer slack, and equal bins keep one column
  // per interval in the heatmap. The small epsilon keeps exact multiples of binS in their own bin.
  const binOf = (t: number) => (binS > 0 ? Math.floor((t - origin) / binS + 1e-6) : 0);
  const bins = [...new Set(times.map(binOf))].sort((a, b) => a - b);
  times = bins.map((b) => origin + b * binS);
  const timeIndex = new Map<number, number>();
  bins.forEach((b, j) => timeIndex.set(b, j));

  // Sum per (process, time) in one pass over the rows; a Float64Array per process, not an object per cell.
  // Rows of one interval are adjacent in collector frames, so the last time's bin is reused instead of a lookup.
  const series = new Map<number, Float64Array>();
  let lastT = Number.NaN;
  let lastJ: number | undefined;
  for (let i = 0; i < n; i++) {
    const t = r.t_s[i]!;
    const v = r.value[i]!;
    if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
    if (t !== lastT) {
      lastT = t;
      lastJ = timeIndex.get(binOf(t));
    }
    const j = lastJ;
    if (j === undefined) continue;
    const key = r.key[i]!;
    let s = series.get(key);
    if (!s) series.set(key, (s = new Float64Array(times.length)));
    s[j]! += v;
  }

  const scale = resolveScale(metric, options.scale ?? "auto");
  const stepNs = binS * 1e9;
  const factor = scale === "ms" ? 1e-6 : scale === "pct" && stepNs > 0 ? 100 / stepNs : scale === "pct" ? 1e-6 : 1;
  const ranked = [...series]
    .map(([key, v]) => {
      let total = 0;
      for (let j = 0; j < v.length; j++) {
        v[j]! *= factor;
        total += v[j]!;
      }
      return { key, v, total };
    })
    .sort((a, b) => b.total - a.total);
  const kept = ranked.slice(0, Math.max(1, options.topN ?? 8));
  const unit =
    scale === "pct" && stepNs > 0
      ? "% of one CPU"
      : scale === "ms" || scale === "pct"
        ? `ms per ${binS > 0 ? `${+binS.toPrecision(3)} s` : "capture"}`
        : binS > 0
          ? `per ${+binS.toPrecision(3)} s`
          : "total";
  return {
    labels: kept.map((k) => r.name(k.key)),
    times,
    values: kept.map((k) => k.v),
    totals: kept.map((k) => k.total),
    processCount: series.size,
    valueTitle: `${metricName(metric)} (${unit})`,
    binS,
  };
}

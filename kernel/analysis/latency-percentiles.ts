// Percentiles (p50, p90, p99, p99.9) from `<collector>_hist` frames: buckets summed per group (and per interval
// if asked), then interpolated inside the bucket as Prometheus's histogram_quantile does.

import { OptionError } from "../errors.js";
import type { ColumnSpec, Frame } from "../frame/frame.js";
import { FrameBuilder } from "../frame/frame-builder.js";
import { bucketQuantile, Buckets, histBelowNs } from "../collectors/histogram.js";

export { bucketQuantile, type Buckets } from "../collectors/histogram.js";

export interface PercentileOptions {
  /** Columns that tell the groups apart (default: none, one distribution): e.g. ["syscall"] or ["pid", "comm"]. */
  by?: string[];
  /** Quantiles in (0, 1] (default 0.5, 0.9, 0.99, 0.999); each becomes a column p50_ns, p90_ns, p99_ns, p999_ns. */
  quantiles?: number[];
  /** One row per interval (t_s) and group instead of one per group over the whole capture. */
  perInterval?: boolean;
}

/** "p50", "p90", "p99", "p999", "p99_99": the column stem of a quantile. */
export function quantileName(q: number): string {
  const pct = (q * 100).toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  const [i, f] = pct.split(".");
  return f ? (f.length === 1 && i === "99" ? `p${i}${f}` : `p${i}_${f}`) : `p${i}`;
}

/**
 * Latency percentiles per group of a histogram frame (`syscalls_hist`, `sched_hist`, `disk_hist`, ...): one
 * row per group (and interval with `perInterval`) with the group columns, `count` and one `p<q>_ns` column
 * per quantile. Empty groups are left out.
 * @example latencyPercentiles(cap.frame("syscalls_hist"), { by: ["syscall"] }).rows()
 *   // [{ syscall: "read", count: 120344, p50_ns: 812, p90_ns: 2300, p99_ns: 40960, p999_ns: 1.1e6 }, ...]
 */
export function latencyPercentiles(hist: Frame, options: PercentileOptions = {}): Frame {
  const by = options.by ?? [];
  const qs = options.quantiles ?? [0.5, 0.9, 0.99, 0.999];
  for (const c of ["le_ns", "count", ...by, ...(options.perInterval ? ["t_s"] : [])]) {
    if (!hist.has(c)) {
      throw new OptionError(
        `frame ${hist.name} has no column "${c}"`,
        `pass a <collector>_hist frame (le_ns, count and its key columns); it has ${hist.columnNames.join(", ")}`,
      );
    }
  }
  for (const q of qs) {
    if (!(q > 0 && q <= 1)) throw new OptionError(`quantile ${q} is not in (0, 1]`, "e.g. quantiles: [0.5, 0.99]");
  }
  const keys = options.perInterval ? ["t_s", ...by] : by;
  const keyVals = keys.map((k) => hist.values(k));
  const le = hist.numeric("le_ns");
  const count = hist.numeric("count");
  const groups = new Map<string, { row: number; buckets: Map<number, number> }>();
  for (let i = 0; i < hist.length; i++) {
    const id = keyVals.map((v) => String(v[i])).join("\u0000");
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { row: i, buckets: new Map() }));
    g.buckets.set(le[i]!, (g.buckets.get(le[i]!) ?? 0) + count[i]!);
  }
  const schema: ColumnSpec[] = [
    ...keys.map((k) => hist.spec(k)),
    { name: "count", type: "i64", unit: "events", description: "events in the group's buckets" },
    ...qs.map((q): ColumnSpec => ({
      name: `${quantileName(q)}_ns`,
      type: "f64",
      unit: "ns",
      description: `${q * 100}th percentile, interpolated inside its bucket`,
    })),
  ];
  const out = new FrameBuilder(schema, groups.size);
  for (const g of groups.values()) {
    const bounds = [...g.buckets.keys()].sort((a, b) => a - b);
    const b: Buckets = { le: bounds, count: bounds.map((x) => g.buckets.get(x)!), below: bounds.map(histBelowNs) };
    const total = b.count.length ? (b.count as number[]).reduce((s, x) => s + x, 0) : 0;
    if (total <= 0) continue;
    const r = out.beginRow();
    keys.forEach((k, j) => {
      const v = keyVals[j]![g.row]!;
      if (typeof v === "string") out.setStr(j, r, v);
      else if (typeof v === "bigint") out.setBig(j, r, v);
      else out.setNum(j, r, Number(v));
    });
    out.setNum(keys.length, r, total);
    qs.forEach((q, j) => out.setNum(keys.length + 1 + j, r, bucketQuantile(b, q)));
  }
  return out.finish(`${hist.name}_percentiles`);
}

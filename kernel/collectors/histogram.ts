// Latency histograms: the bucket rule of bpf/hist.bpf.h (log2 buckets cut in four, Prometheus `le` bounds) and
// the `<collector>_hist` frame every histogram-capable collector declares with it.

import type { DisplayDecl } from "./display-decl.js";
import type { FeatureDecl } from "./feature-decl.js";
import { option } from "./options.js";
import type { AggregateSourceDecl, ColumnDecl, FrameDecl, IdentityDecl, RowAccess } from "./schema.js";

/**
 * The inclusive upper bound (ns) of bucket `slot` of a histogram of `slots` buckets: values v with
 * le(slot - 1) < v <= le(slot) are counted in it. 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ...; the last
 * bucket is the overflow, +Infinity.
 */
export function histUpperNs(slot: number, slots: number): number {
  if (slot >= slots - 1) return Infinity;
  if (slot <= 4) return slot;
  const k = slot - 1;
  const e = Math.floor(k / 4) + 1;
  return (5 + (k % 4)) * 2 ** (e - 2);
}

/** The inclusive lower bound of the values in bucket `slot` (one above the previous bucket's `le`). */
export function histLowerNs(slot: number, slots: number): number {
  return slot === 0 ? 0 : histUpperNs(slot - 1, slots) + 1;
}

/**
 * The upper bound of the bucket just below the one whose upper bound is `le` (so that bucket holds the values
 * above it up to `le`), from the bound alone: frames keep only non-empty buckets. NaN for +Infinity.
 */
export function histBelowNs(le: number): number {
  if (!Number.isFinite(le)) return NaN;
  if (le <= 4) return Math.max(0, le - 1);
  // le = (5 + q) * 2^k with q in 0..3: the step inside its power of two is 2^k = 2^(ceil(log2 le) - 3)
  return le - 2 ** (Math.ceil(Math.log2(le) - 1e-12) - 3);
}

/** The bucket of a value of `v` ns (the rule of hist.bpf.h's hist_slot, for tests and for bucketing in TS). */
export function histSlot(v: number, slots: number): number {
  if (v <= 4) return Math.max(0, Math.floor(v));
  const u = Math.floor(v) - 1;
  let e = Math.floor(Math.log2(u));
  if (2 ** e > u)
    e--; // log2 rounds up just below large powers of two
  else if (2 ** (e + 1) <= u) e++;
  const exp = (slots - 2) / 4 + 1;
  if (e >= exp) return slots - 1;
  return 4 * (e - 1) + (Math.floor(u / 2 ** (e - 2)) & 3) + 1;
}

/** Buckets of one distribution: inclusive upper bounds (ascending, the last may be +Infinity) and counts. */
export interface Buckets {
  le: ArrayLike<number>;
  count: ArrayLike<number>;
  /** Each bucket's lower (exclusive) bound when buckets are missing in between; default the previous `le`. */
  below?: ArrayLike<number>;
}

/**
 * The `q` quantile of a bucketed distribution, linear inside the bucket that holds it (between the previous
 * bucket's bound and this one's). In the +Inf bucket the answer is its lower bound, the largest value known.
 * NaN when there are no counts.
 */
export function bucketQuantile(b: Buckets, q: number): number {
  let total = 0;
  for (let i = 0; i < b.count.length; i++) total += b.count[i]!;
  if (total <= 0) return NaN;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < b.count.length; i++) {
    const c = b.count[i]!;
    if (c <= 0) continue;
    const prev = i > 0 ? b.le[i - 1]! : Math.min(0, b.le[0]!);
    const lo = b.below && Number.isFinite(b.below[i]!) ? Math.max(prev, b.below[i]!) : prev;
    const hi = b.le[i]!;
    if (seen + c >= rank) {
      if (!Number.isFinite(hi)) return lo;
      return lo + (hi - lo) * Math.min(1, Math.max(0, (rank - seen) / c));
    }
    seen += c;
  }
  return b.le[b.le.length - 1]!;
}

/** The `histogram` option (CLI `--hist`) of a collector that times something. */
export const histogramOption = (what: string) =>
  option.boolean({
    default: false,
    cli: "--hist",
    doc: `also count ${what} in log2 latency buckets (4 per power of two): the <collector>_hist frame`,
  });

export interface HistogramFrameDecl<O> {
  /** The frame's name, `<collector>_hist`. */
  name: string;
  /** The map holding one histogram per key: its value struct has `slots` (an array of __u32). */
  source: AggregateSourceDecl;
  identity: IdentityDecl;
  /** The collector's own key columns (a syscall, a function, a device), before le_ns and count. */
  keys: Record<string, ColumnDecl>;
  /**
   * The value's `slots` holds several histograms one after the other, one per name (disk: queue then service
   * time, so that a completion updates one map element, not two): a key column after `keys` says which.
   */
  parts?: { column: string; names: string[]; description: string };
  /** What the histogram times, for the count column's description ("calls", "waits"). */
  counts: string;
  /** Which options turn it on (default: `histogram`). */
  enabled?(opts: O): boolean;
  programs?: string[];
  features?: FeatureDecl;
  /** Default: a summary of percentiles per key (per process when there are no key columns). */
  display?: DisplayDecl;
  /** The summary's title ("syscall latency"). */
  what?: string;
  /** The summary's groups (default the process: pid and name); the report plots the busiest of the first. */
  summaryBy?: string[];
  /** Rows the report's plots keep (disk: { stage: "service" }). */
  plotWhere?: Record<string, string>;
}

/**
 * A `<collector>_hist` frame: one row per key, interval and non-empty bucket, with the key columns, `le_ns`
 * (the bucket's upper bound) and `count`. Read it with `latencyPercentiles` or plot it with `latencyHeatmap`.
 */
export function histogramFrame<O extends { histogram?: boolean }>(d: HistogramFrameDecl<O>): FrameDecl<O> {
  const parts = d.parts;
  // the slots of one histogram: the whole array, or its share when it holds several
  const per = (row: RowAccess) => row.arrayLength / (parts?.names.length ?? 1);
  return {
    name: d.name,
    source: d.source,
    identity: d.identity,
    rowsPer: { array: "val.slots", skipZero: true },
    enabled: d.enabled ?? ((o) => o.histogram === true),
    ...(d.programs ? { programs: d.programs } : {}),
    ...(d.features ? { features: d.features } : {}),
    display: d.display ?? {
      summary: [
        {
          key: `${d.name}_percentiles`,
          title: `${d.what ?? "latency"} percentiles (${d.name})`,
          by: d.summaryBy ?? ["process"],
          top: 8,
          percentiles: true,
        },
      ],
      report: (["latency-distribution", "latency-heatmap"] as const).map((plot) => ({
        plot,
        ...(d.summaryBy?.[0] && d.summaryBy[0] !== "process" ? { by: d.summaryBy[0] } : {}),
        ...(d.plotWhere ? { where: d.plotWhere } : {}),
      })),
    },
    columns: {
      ...d.keys,
      ...(parts && {
        [parts.column]: {
          from: "val.slots[#]",
          type: "str",
          map: (slot, row: RowAccess) => parts.names[Math.floor(Number(slot) / per(row))] ?? "?",
          description: parts.description,
        },
      }),
      le_ns: {
        from: "val.slots[#]",
        type: "f64",
        unit: "ns",
        map: (slot, row: RowAccess) => histUpperNs(Number(slot) % per(row), per(row)),
        description: "the bucket's upper bound: counts values above the previous bucket's le_ns up to this (+Inf last)",
      },
      count: {
        from: "val.slots[]",
        type: "i64",
        unit: d.counts,
        description: `${d.counts} in the interval that fell in this bucket`,
      },
    },
  };
}

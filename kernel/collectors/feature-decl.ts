// How a collector's frame turns into detector features: declared next to its columns, consumed by
// kernel/features/, so a new collector adds meaningful features without code elsewhere.

/**
 * How the rows of one (window, entity) combine into one feature value:
 * - "sum": counters and durations (calls, bytes, ns);
 * - "max" / "min": peaks (longest call, highest RSS);
 * - "mean": non-additive quantities (a ratio or an rtt reported per row);
 * - "last": gauges (RSS at the last event of the window).
 */
export type FeatureAgg = "sum" | "max" | "min" | "mean" | "last";

/** One column's feature: its aggregation, and the feature's name when it is not `<prefix><column>`. */
export type FeatureColumn = FeatureAgg | { agg: FeatureAgg; name: string; description?: string };

export interface FeatureRatio {
  /** Feature name of the ratio. */
  name: string;
  /** Feature names (after renaming) of numerator and denominator; unmeasured where the denominator is 0. */
  num: string;
  den: string;
  /**
   * Fewest denominator events for the ratio to be measured (default 1): a rate over a handful of events is noise
   * (the one interrupted sleep of a process being stopped is a 100 % error rate).
   */
  minDen?: number;
  description?: string;
}

export interface FeatureDecl {
  /** Prefix of feature names; default `<frame name>_`, "" keeps the column names as they are. */
  prefix?: string;
  /** Columns that become features, with their aggregation. */
  columns: Record<string, FeatureColumn>;
  /** Derived after aggregation (so per window, not averages of per-row ratios). */
  ratios?: FeatureRatio[];
  /**
   * Features per value of a string column, for its `top` most frequent values by `weight` over the capture:
   * e.g. syscalls broken down by `syscall` gives sys_getppid_count. `name` is a template with {value} and {column}.
   */
  breakdown?: {
    by: string;
    top: number;
    weight: string;
    name: string;
    columns: Record<string, FeatureAgg>;
    /** Ratios within one value, templated like `name`: { name: "sys_{value}_mean_latency_ns", num: "latency_ns", den: "count" }. */
    ratios?: { name: string; num: string; den: string; minDen?: number }[];
  };
  /**
   * Histogram frames (le_ns, count): these quantiles of each (window, entity)'s buckets, as `<prefix>p50_ns`,
   * `<prefix>p99_ns`, ..., over the rows whose columns equal `where` (e.g. only the service stage).
   */
  quantiles?: { q: number[]; where?: Record<string, string> };
  /**
   * Event frames (one row per event): count the rows of each value of `column` ({ fork: "forks" }), crediting
   * values listed in `creditTo` to the entity in another column (a fork belongs to the parent: ppid).
   */
  events?: { column: string; counts: Record<string, string>; creditTo?: Record<string, string> };
}

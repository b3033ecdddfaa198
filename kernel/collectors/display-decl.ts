// How a collector's frame shows in the live view (rates, the busiest processes) and in capture summaries
// (`bpflab capture`/`show`, the report): declared beside its columns, read by kernel/plots and kernel/report,
// so a new collector shows up there without a name check anywhere.

/** One rate of the live view: the sum of `columns` (or the number of rows) per second, times `scale`. */
export interface LiveRateDecl {
  /** As shown: "syscalls/s", "disk MiB/s". */
  name: string;
  /** Columns summed over the interval's rows; without them, the rows are counted (one per event). */
  columns?: string[];
  scale?: number;
}

export interface LiveDecl {
  rates?: LiveRateDecl[];
  /** The column of on-CPU ns per row, for the busiest processes (% of one CPU) and the chart. */
  oncpu?: string;
  /** The column of calls per row, for the busiest processes' calls per second. */
  calls?: string;
}

/** One value column of a summary table. */
export interface SummaryColumn {
  column: string;
  header: string;
  /** Over a group's rows: "sum" (default), "max", or "rows" (how many rows; `column` is then ignored). */
  agg?: "sum" | "max" | "rows";
  /** Multiplies the value (1e-6: ns → ms; 2 ** -20: bytes → MiB); scaled values are rounded to 0.1. */
  scale?: number;
}

/** A table of the summary: groups of rows, ranked by the first value column, the top ones shown. */
export interface SummaryTableDecl {
  /** Key in the JSON form ("top_processes_oncpu"). */
  key: string;
  title: string;
  /** Group-by columns; "process" stands for the pid and the process name. */
  by: string[];
  columns: SummaryColumn[];
  top: number;
  /** Only the rows whose columns equal these values (e.g. { event: "oom_kill" }). */
  where?: Record<string, string>;
}

/** A histogram frame's summary: latency percentiles per group (`latencyPercentiles`), in µs. */
export interface SummaryPercentilesDecl {
  key: string;
  title: string;
  by: string[];
  top: number;
  where?: Record<string, string>;
  percentiles: true;
}

/** A count of rows per value of one column, as one summary line ("process events: 3 exec, 2 fork, 1 exit"). */
export interface SummaryCountsDecl {
  key: string;
  title: string;
  /** The column whose values are counted. */
  counts: string;
  /** The values listed, in this order, 0 when absent (default: every value seen, most frequent first). */
  values?: string[];
}

export type SummaryDecl = SummaryTableDecl | SummaryPercentilesDecl | SummaryCountsDecl;

/**
 * One figure of the capture report (kernel/report). Each kind lands in its section: "timeline" in Timelines,
 * "heatmap" and "bars" in Top processes, the latency kinds in Latency.
 */
export type ReportPlotDecl =
  /** One line per process of `metric` over time (processTimeline). */
  | { plot: "timeline"; metric: string; title?: string }
  /** Processes × time, coloured by `metric` (processHeatmap). */
  | { plot: "heatmap"; metric: string; title?: string }
  /** The busiest values of `by` by the sum of `value`, split by the share in `failed` (topSyscalls). */
  | { plot: "bars"; by: string; value: string; failed: string; top?: number; title?: string }
  /** The mean latency per row (`total` / `calls`) weighted by `calls`, one series per busiest value of `by`. */
  | { plot: "mean-latency"; by: string; total: string; calls: string; top?: number; title: string }
  /** A histogram frame as runqlat prints it, or its heat map over time: for the busiest value of `by`, if any. */
  | { plot: "latency-distribution" | "latency-heatmap"; by?: string; where?: Record<string, string> };

export interface DisplayDecl {
  live?: LiveDecl;
  summary?: SummaryDecl[];
  report?: ReportPlotDecl[];
}

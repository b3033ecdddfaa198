// The `bpflab compare` command's work: read labelled data (a CSV or Parquet table, or a capture directory with
// interval labels), compare detectors, format the result.

import { existsSync, statSync } from "node:fs";
import { extname } from "node:path";
import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";
import { detectorNames } from "../detectors/registry.js";
import { dropConstantColumns, matrixFromFrame } from "../detectors/matrix.js";
import { compareDetectors, CompareData, CompareOptions, CompareRow } from "./compare.js";
import { readCsv } from "./read-csv.js";
import { compareSequences } from "./sequence-compare.js";
import { tracesFromTable } from "../detectors/sequence/traces.js";
import type { TimeSeriesOptions } from "./time-series-metrics.js";

export interface CompareCliArgs {
  /** CSV (header row) or Parquet file with feature columns, or a capture directory (written by bpflab capture). */
  data: string;
  /** 0/1 label column of a table. */
  label?: string;
  /** Interval labels (CSV or Parquet: kind, pid/comm/cgroup_id, start_s, end_s); a capture's own by default. */
  labels?: string;
  /** Time column of a table, in seconds: marks the rows as a time series (default t_s when --labels is given). */
  time?: string;
  /** Entity column of a table (one series per value; default pid when present). */
  entity?: string;
  /** Seconds within which an alarm detects a labelled incident (default 0 for tables, one window for captures). */
  toleranceS?: number;
  /** Registry names, in output order; default iforest and pca. */
  detectors: string[];
  format: "table" | "json";
  seed?: number;
  /** Captures only: entity and window of the feature rows (default pid, 1s). */
  by?: "pid" | "tid" | "comm" | "cgroup";
  window?: string;
  /** Sequence data: "TRACE_COL:CALL_COL" of a long-format table (one row per call). */
  sequence?: string;
  /** Sequence data: the table of normal traces the detectors are fitted on (the --data traces are scored). */
  fit?: string;
}

/** JSON keys every row has (kept as they were), then the time-series ones when the data is a time series. */
const JSON_KEYS = ["detector", "roc_auc", "pr_auc", "best_f1", "fit_ms", "score_ms"] as const;
const TS_KEYS = [
  "vus_pr",
  "pa_k_auc",
  "event_recall",
  "false_alarms_per_h",
  "time_to_detect_s",
  "legacy_point_adjusted_f1",
] as const;

/**
 * Runs the comparison and returns the text to print. json: an array of { detector, roc_auc, pr_auc, best_f1,
 * fit_ms, score_ms } plus, for time series, vus_pr, pa_k_auc, event_recall, false_alarms_per_h, time_to_detect_s
 * and legacy_point_adjusted_f1; table: a header line and one aligned row per detector.
 *
 * @example await runCompareCli({ data: "datasets/public/odds/cardio.csv", label: "label", detectors: ["iforest"], format: "table" })
 */
export async function runCompareCli(args: CompareCliArgs): Promise<string> {
  if (args.format !== "table" && args.format !== "json") {
    throw new OptionError(
      `--format must be table or json, got ${JSON.stringify(args.format)}`,
      "use --format table (default) or --format json",
    );
  }
  if (args.sequence) return runSequenceCompare(args);
  const dets = args.detectors.length ? args.detectors : ["iforest", "pca"];
  for (const d of dets) {
    if (!(detectorNames as string[]).includes(d)) {
      throw new OptionError(`unknown detector "${d}"`, `known detectors: ${detectorNames.join(", ")}`);
    }
  }
  const isDir = existsSync(args.data) && statSync(args.data).isDirectory();
  const { data, opts, what } = isDir ? await fromCapture(args) : await fromTable(args);
  const r = compareDetectors(data, dets, { ...opts, seed: args.seed ?? 0 });
  const ts = Boolean(opts.timeSeries);
  if (args.format === "json") {
    const keys = ts ? [...JSON_KEYS, ...TS_KEYS] : JSON_KEYS;
    return JSON.stringify(
      r.rows.map((x) => Object.fromEntries(keys.map((k) => [k, x[k] ?? null]))),
      (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
      2,
    );
  }
  const positives = r.labels.reduce((a, b) => a + b, 0);
  return (
    `${what}: ${r.labels.length} rows, ${positives} anomalies (${((100 * positives) / r.labels.length).toFixed(2)} %)\n` +
    formatTable(r.rows, ts) +
    `\npeak MB: resident memory added during fit + score (${r.memoryMethod})` +
    (ts
      ? "\nVUS-PR: range-aware PR volume; PA%K: area of PA%K F1 over K; EVENTS, FA/H, TTD-S at the top-k rows " +
        "(k = labelled rows); PA-F1 (legacy) credits a whole segment for one point, which random scores can game"
      : "")
  );
}

async function fromTable(args: CompareCliArgs): Promise<{ data: CompareData; opts: CompareOptions; what: string }> {
  const frame = await readData(args.data);
  const timeCol = args.time ?? (args.labels && frame.has("t_s") ? "t_s" : undefined);
  const entityCol = args.entity ?? (timeCol && frame.has("pid") ? "pid" : undefined);
  for (const [flag, c] of [
    ["--time", timeCol],
    ["--entity", entityCol],
  ] as const) {
    if (c !== undefined && !frame.has(c)) {
      throw new OptionError(
        `${flag} ${c}: ${args.data} has no such column`,
        `columns: ${frame.columnNames.join(", ")}`,
      );
    }
  }
  if (!args.label && !args.labels) {
    throw new OptionError("no --label COLUMN or --labels FILE given", "name the 0/1 column that marks anomalies");
  }
  if (args.labels && !timeCol) {
    throw new OptionError(
      `--labels needs a time column in ${args.data}`,
      "name it with --time COLUMN (seconds since the start, as the labels' start_s/end_s)",
    );
  }
  const skip = new Set([args.label, timeCol, entityCol].filter((c): c is string => c !== undefined));
  const features = frame.schema
    .filter((s) => !skip.has(s.name) && s.type !== "str" && s.type !== "u64" && s.type !== "timestamp")
    .map((s) => s.name);
  const timeSeries: TimeSeriesOptions | undefined = timeCol
    ? {
        t: frame.numeric(timeCol),
        ...(entityCol ? { series: frame.values(entityCol).map(String) } : {}),
        ...(args.toleranceS !== undefined ? { toleranceS: args.toleranceS } : {}),
      }
    : undefined;
  if (args.labels) {
    const { readIntervalLabels, matchLabels, entityKeys } = await import("../analysis/interval-labels.js");
    const step = smallestStep(frame.numeric(timeCol!));
    const target = { keys: frame, windowS: step };
    const m = matchLabels(target, await readIntervalLabels(args.labels), { time: timeCol });
    return {
      data: { matrix: matrixFromFrame(frame, features), labels: m.rowLabels },
      // Labels name pids, comms or cgroups: the series are those entities, keyed as matchLabels keys its events.
      opts: { timeSeries: { ...timeSeries, stepS: step, series: entityKeys(target), events: m.events } },
      what: args.data,
    };
  }
  return {
    data: frame,
    opts: { label: args.label!, features, ...(timeSeries ? { timeSeries } : {}) },
    what: args.data,
  };
}

async function fromCapture(args: CompareCliArgs): Promise<{ data: CompareData; opts: CompareOptions; what: string }> {
  if (args.label) {
    throw new OptionError(
      `--label is for tables; ${args.data} is a capture`,
      "give interval labels with --labels FILE",
    );
  }
  const { loadCapture } = await import("../capture/capture-files.js");
  const { features } = await import("../features/features.js");
  const { logScale } = await import("../analysis/anomalies.js");
  const { readIntervalLabels, matchLabels, entityKeys } = await import("../analysis/interval-labels.js");
  const cap = await loadCapture(args.data);
  const f = features(cap, { by: args.by ?? "pid", window: args.window ?? "1s" });
  const m = matchLabels(f, await readIntervalLabels(args.labels ?? args.data));
  return {
    data: { matrix: logScale(dropConstantColumns(f.matrix).matrix), labels: m.rowLabels },
    opts: {
      timeSeries: {
        t: f.keys.numeric("t_s"),
        stepS: f.windowS,
        series: entityKeys(f),
        events: m.events,
        toleranceS: args.toleranceS ?? f.windowS,
      },
    },
    what: `${args.data} (window × ${args.by ?? "pid"}, log-scaled features)`,
  };
}

/** compare --sequence TRACE:CALL [--fit FILE]: per-trace metrics of sequence (and bag-of-syscalls) detectors. */
async function runSequenceCompare(args: CompareCliArgs): Promise<string> {
  const [traceCol, callCol, extra] = args.sequence!.split(":");
  if (!traceCol || !callCol || extra !== undefined) {
    throw new OptionError(`--sequence ${args.sequence}: expected TRACE_COL:CALL_COL`, "e.g. --sequence trace:call");
  }
  if (!args.label) throw new OptionError("--sequence needs --label COL (the trace's 0/1 label)", "e.g. --label label");
  const test = tracesFromTable(await readData(args.data), traceCol, callCol, args.label);
  // without --fit, the normal traces of --data itself are the training set (unsupervised, as for tables)
  const train = args.fit ? tracesFromTable(await readData(args.fit), traceCol, callCol) : test.filter((t) => !t.label);
  const dets = args.detectors.length ? args.detectors : ["stide", "ngram", "iforest"];
  const r = compareSequences(train, test, dets, { seed: args.seed ?? 0 });
  if (args.format === "json") {
    return JSON.stringify(
      r.rows.map((x) => Object.fromEntries(JSON_KEYS.map((k) => [k, x[k] ?? null]))),
      (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
      2,
    );
  }
  const positives = r.labels.reduce((a, b) => a + b, 0);
  return (
    `${args.data}: ${r.labels.length} traces, ${positives} anomalous; fitted on ${train.length} ` +
    `${args.fit ? `traces of ${args.fit}` : "normal traces of the same file"}\n` +
    formatTable(r.rows, false) +
    "\nscores per trace; tabular detectors read each trace's bag of syscalls (call frequencies)"
  );
}

async function readData(path: string): Promise<Frame> {
  const ext = extname(path).toLowerCase();
  if (ext === ".parquet") {
    const { readParquet } = await import("../frame/parquet.js");
    try {
      return (await readParquet(path)).frame;
    } catch {
      // Not written by bpflab (no schema metadata): map its types.
      return (await readParquet(path, { foreign: true })).frame;
    }
  }
  if (ext === ".csv" || ext === ".txt") return readCsv(path);
  throw new OptionError(
    `--data ${path}: unknown file type "${ext}"`,
    "give a .csv (with a header row) or a .parquet file, or a capture directory",
  );
}

function smallestStep(t: Float64Array): number {
  const s = Float64Array.from(t).sort();
  let best = Infinity;
  for (let i = 1; i < s.length; i++) if (s[i]! > s[i - 1]!) best = Math.min(best, s[i]! - s[i - 1]!);
  return Number.isFinite(best) ? best : 1;
}

/** Aligned text table of compare rows (libbpf-tools style: a header line, then rows); time-series columns when `ts`. */
export function formatTable(rows: CompareRow[], ts = rows.some((r) => r.vus_pr !== undefined)): string {
  const f4 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(4));
  const head = ["DETECTOR", "ROC-AUC", "PR-AUC", "BEST-F1", "F1@CONT"];
  if (ts) head.push("VUS-PR", "PA%K-AUC", "EVENTS", "FA/H", "TTD-S", "PA-F1(LEGACY)");
  head.push("FIT-MS", "SCORE-MS", "PEAK-MB");
  const body = rows.map((r) => [
    r.detector,
    f4(r.roc_auc),
    f4(r.pr_auc),
    f4(r.best_f1),
    f4(r.f1_at_contamination),
    ...(ts
      ? [
          f4(r.vus_pr),
          f4(r.pa_k_auc),
          r.event_recall === undefined || Number.isNaN(r.event_recall) ? "-" : `${(100 * r.event_recall).toFixed(0)}%`,
          r.false_alarms_per_h === undefined || !Number.isFinite(r.false_alarms_per_h)
            ? "-"
            : r.false_alarms_per_h.toFixed(1),
          r.time_to_detect_s === undefined || !Number.isFinite(r.time_to_detect_s)
            ? "-"
            : r.time_to_detect_s.toFixed(1),
          f4(r.legacy_point_adjusted_f1),
        ]
      : []),
    r.fit_ms.toFixed(1),
    r.score_ms.toFixed(1),
    (r.peak_mem_bytes / 2 ** 20).toFixed(1),
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join("  ");
  return [line(head), ...body.map(line)].join("\n");
}

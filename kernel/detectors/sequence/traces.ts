// Traces for the sequence detectors: from an event frame (one trace per thread or process, in time order), or
// from a long-format table (one row per call: a trace id, the call, the trace's label), and the n-gram count
// vectors the tabular detectors take.

import { DetectorInputError } from "../../errors.js";
import type { Frame } from "../../frame/frame.js";
import { isStringColumn } from "../../frame/frame.js";
import { matrix, Matrix } from "../matrix.js";
import type { CallTrace } from "./sequence-detector.js";

export interface Trace {
  /** The thread or process id, or the table's trace id. */
  id: string;
  calls: string[];
  /** Seconds since the capture's start of each call (event frames only). */
  t?: Float64Array;
  /** The trace's label from a table: its largest value (any anomalous call marks the trace). */
  label?: number;
  /** Event frames: the process name of the thread. */
  process?: string;
}

/**
 * One trace per thread (`by: "tid"`, default) or process of a `syscalls_events` frame, calls by name, in the
 * frame's (time) order.
 */
export function tracesFromEvents(events: Frame, opts: { by?: "tid" | "pid"; minCalls?: number } = {}): Trace[] {
  const by = opts.by ?? "tid";
  const ids = events.numeric(by);
  const names = events.strings("syscall");
  const t = events.numeric("t_s");
  const proc = events.has("process") ? events.strings("process") : undefined;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < events.length; i++) {
    let g = groups.get(ids[i]!);
    if (!g) groups.set(ids[i]!, (g = []));
    g.push(i);
  }
  const out: Trace[] = [];
  for (const [id, rows] of groups) {
    if (rows.length < (opts.minCalls ?? 1)) continue;
    out.push({
      id: String(id),
      calls: rows.map((i) => names[i]!),
      t: Float64Array.from(rows, (i) => t[i]!),
      ...(proc ? { process: proc[rows[0]!]! } : {}),
    });
  }
  return out;
}

/**
 * Traces of a long-format table: `traceCol` groups rows into traces (in row order), `callCol` holds the call
 * (name or number), `labelCol` (optional) the label (a trace's label is its largest).
 */
export function tracesFromTable(table: Frame, traceCol: string, callCol: string, labelCol?: string): Trace[] {
  for (const c of [traceCol, callCol, ...(labelCol ? [labelCol] : [])]) {
    if (!table.has(c)) {
      throw new DetectorInputError(
        `the table has no column "${c}"`,
        `its columns are: ${table.columnNames.join(", ")} (--sequence TRACE_COL:CALL_COL, --label COL)`,
      );
    }
  }
  const asText = (name: string): string[] => {
    const c = table.column(name);
    return isStringColumn(c) ? table.strings(name) : Array.from(table.numeric(name), String);
  };
  const ids = asText(traceCol);
  const calls = asText(callCol);
  const labels = labelCol ? table.numeric(labelCol) : undefined;
  const byId = new Map<string, Trace>();
  for (let i = 0; i < table.length; i++) {
    let tr = byId.get(ids[i]!);
    if (!tr) byId.set(ids[i]!, (tr = { id: ids[i]!, calls: [], ...(labels ? { label: 0 } : {}) }));
    tr.calls.push(calls[i]!);
    if (labels && labels[i]! > tr.label!) tr.label = labels[i]!;
  }
  return [...byId.values()];
}

/** The n-grams (joined by "→") of a trace, each with its count. */
function ngramCounts(trace: CallTrace, n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= trace.length; i++) {
    const g = trace.slice(i, i + n).join("→");
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/**
 * Bag-of-n-grams features for the tabular detectors: per trace, the relative frequency of each of the `top` most
 * frequent n-grams of the `vocabulary` traces (the training ones), plus one column for all other n-grams. With
 * n = 1 this is the bag of syscalls.
 */
export function ngramFeatures(
  traces: readonly CallTrace[],
  opts: { n?: number; top?: number; vocabulary?: readonly CallTrace[] } = {},
): Matrix {
  const n = opts.n ?? 1;
  const total = new Map<string, number>();
  for (const t of opts.vocabulary ?? traces)
    for (const [g, c] of ngramCounts(t, n)) total.set(g, (total.get(g) ?? 0) + c);
  const kept = [...total.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.top ?? 64)
    .map(([g]) => g);
  const index = new Map(kept.map((g, j) => [g, j]));
  const cols = kept.length + 1;
  const data = new Float64Array(traces.length * cols);
  traces.forEach((t, r) => {
    const counts = ngramCounts(t, n);
    const sum = Math.max(1, t.length - n + 1);
    for (const [g, c] of counts) data[r * cols + (index.get(g) ?? kept.length)]! += c / sum;
  });
  return matrix(data, traces.length, cols, [...kept.map((g) => `ng_${g}`), "ng_other"]);
}

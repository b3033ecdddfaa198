// Silence made visible: a process that is alive but does nothing in a window has no rows in the collectors'
// frames, so a blocked process would vanish instead of standing out. This gives it a row of zeros for every window
// of its life, and flags the windows that hold only part of it (its start, its exit, the capture's last window).

import { ColumnData, Frame, isStringColumn } from "../frame/frame.js";
import type { Features } from "./features.js";
import type { ProcessFacts } from "./process-facts.js";

/** Bits of Features.partial: the window holds the entity's start, its exit, or is the capture's incomplete last one. */
export const PARTIAL_START = 1;
export const PARTIAL_EXIT = 2;
export const PARTIAL_CAPTURE_END = 4;
/** Not partial: the row was added for a silent window (no collector saw the process in it). */
export const SILENT = 8;
/**
 * The capture's intervals did not line up with the window: no interval ended in it (its data went to a later
 * window) or one that ended in it ran over 1.5 planned intervals (it holds more than its time: the machine held the
 * capture up). Its values are not comparable with other windows'.
 */
export const LATE = 16;

/** Which windows the capture's intervals cover, and which hold a late one (LATE). */
export interface IntervalCoverage {
  covered: Set<number>;
  late: Set<number>;
}

/**
 * From the capture's interval ends (the distinct row times of a frame that has a row in every interval, such as
 * sched, which charges every live thread every interval): windows with an interval end, and those whose interval
 * ran over 1.5 planned intervals. Undefined with fewer than two interval ends, or when the times are not about an
 * interval apart (nothing to tell).
 */
export function intervalCoverage(
  stamps: ArrayLike<number>,
  intervalS: number,
  windowS: number,
): IntervalCoverage | undefined {
  const ends = [...new Set(Array.from(stamps))].sort((a, b) => a - b);
  if (ends.length < 2) return undefined;
  // Interval ends are about one planned interval apart; times that are not (a hand-made frame, a frame without a
  // row per interval) tell nothing about the intervals.
  const gaps = ends
    .slice(1)
    .map((t, i) => t - ends[i]!)
    .sort((a, b) => a - b);
  const typical = gaps[gaps.length >> 1]!;
  if (typical < 0.5 * intervalS || typical > 1.5 * intervalS) return undefined;
  const covered = new Set<number>();
  const late = new Set<number>();
  ends.forEach((t, i) => {
    const x = Math.floor(t / windowS);
    covered.add(x);
    if (i > 0 && t - ends[i - 1]! > 1.5 * intervalS) late.add(x);
  });
  return { covered, late };
}

/**
 * Adds zero rows for the windows between a pid's first row (or its exec/fork) and its exit (or the capture's end
 * when the process frame saw no exit; its last row when there is no process frame), and sets `partial`. Features by
 * pid only (other entity kinds are returned as they are, with `partial` for the capture's end).
 */
export function fillSilence(
  f: Features,
  facts: ProcessFacts,
  opts: { elapsedS: number; hasProcessFrame: boolean; absentIsZero?: readonly boolean[]; intervals?: IntervalCoverage },
): Features {
  const w = f.windowS;
  const lastWindow = Math.max(0, Math.ceil(opts.elapsedS / w - 1e-9) - 1);
  const endPartial = opts.elapsedS / w - Math.floor(opts.elapsedS / w + 1e-9) > 1e-6;
  const t = f.keys.numeric("t_s");
  const win = Int32Array.from(t, (v) => Math.round(v / w));
  if (!f.keys.has("pid") || f.keys.has("tid")) {
    return { ...f, partial: Uint8Array.from(win, (x) => (endPartial && x === lastWindow ? PARTIAL_CAPTURE_END : 0)) };
  }
  const pid = f.keys.numeric("pid");
  const n = pid.length;
  // Per pid: first and last window with a row, and a representative row (for comm).
  const span = new Map<number, { first: number; last: number; row: number }>();
  for (let r = 0; r < n; r++) {
    const s = span.get(pid[r]!);
    if (!s) span.set(pid[r]!, { first: win[r]!, last: win[r]!, row: r });
    else {
      s.first = Math.min(s.first, win[r]!);
      s.last = Math.max(s.last, win[r]!);
    }
  }
  const have = new Set<number>();
  for (let r = 0; r < n; r++) have.add(win[r]! * 4294967296 + pid[r]!);
  const extra: { w: number; pid: number; like: number }[] = [];
  // A window no interval ended in was not measured on its own: its time is in the next one, not silence.
  const measured = (x: number): boolean => !opts.intervals || opts.intervals.covered.has(x);
  // Windows holding a start or an exit of one of the pid's lives.
  const startWin = new Set<number>(),
    exitWin = new Set<number>();
  for (const [p, s] of span) {
    const end = opts.hasProcessFrame ? lastWindow : s.last;
    const lives = facts.lives.get(p);
    // Each process that held the pid is alive to its exit (or the end), the first from the pid's first row, each
    // later one from its fork (or, not seen, from the last one's exit); the windows between one's exit and the next
    // one's fork belong to no process, so they are not its silence. Where the process frame saw no start or exit,
    // the pid's first row to the end, as one life.
    const spans: [number, number][] = [];
    for (const l of lives?.length ? lives : [{}]) {
      const prev = spans[spans.length - 1];
      const from = !prev ? s.first : l.startS !== undefined ? Math.floor(l.startS / w) : prev[1] + 1;
      spans.push([from, l.exitS !== undefined ? Math.floor(l.exitS / w) : end]);
    }
    for (const l of lives ?? []) {
      if (l.startS !== undefined) startWin.add(Math.floor(l.startS / w) * 4294967296 + p);
      if (l.exitS !== undefined) exitWin.add(Math.floor(l.exitS / w) * 4294967296 + p);
    }
    let next = s.first; // windows before it are filled already (lives that share a window)
    for (const [from, until] of spans) {
      for (let x = Math.max(from, next); x <= until; x++) {
        if (!have.has(x * 4294967296 + p) && measured(x)) extra.push({ w: x, pid: p, like: s.row });
      }
      next = Math.max(next, until + 1);
    }
  }
  const total = n + extra.length;
  // Rows stay ordered by window, then pid, as features() orders them.
  const order = [...Array(total).keys()];
  const wOf = (i: number): number => (i < n ? win[i]! : extra[i - n]!.w);
  const pOf = (i: number): number => (i < n ? pid[i]! : extra[i - n]!.pid);
  order.sort((a, b) => wOf(a) - wOf(b) || pOf(a) - pOf(b));
  const d = f.matrix.cols;
  const data = new Float64Array(total * d);
  const missing = new Uint8Array(total * d);
  const src = (i: number): number => (i < n ? i : extra[i - n]!.like);
  order.forEach((i, k) => {
    if (i < n) {
      data.set(f.matrix.data.subarray(i * d, (i + 1) * d), k * d);
      if (f.missing) missing.set(f.missing.subarray(i * d, (i + 1) * d), k * d);
    } else {
      // A silent window measured no maximum, mean or gauge: only sums are truly zero.
      for (let j = 0; j < d; j++) missing[k * d + j] = opts.absentIsZero?.[j] === false ? 1 : 0;
    }
  });
  const partial = new Uint8Array(total);
  order.forEach((i, k) => {
    const p = pOf(i);
    const x = wOf(i);
    if (startWin.has(x * 4294967296 + p)) partial[k]! |= PARTIAL_START;
    if (exitWin.has(x * 4294967296 + p)) partial[k]! |= PARTIAL_EXIT;
    if (endPartial && x === lastWindow) partial[k]! |= PARTIAL_CAPTURE_END;
    if (i >= n) partial[k]! |= SILENT;
    if (opts.intervals && (!opts.intervals.covered.has(x) || opts.intervals.late.has(x))) partial[k]! |= LATE;
  });
  const origin = f.keys.numeric("ts")[0]! - t[0]! * 1e6;
  const cols: Record<string, ColumnData> = {};
  for (const s of f.keys.schema) {
    const c = f.keys.column(s.name);
    if (s.name === "t_s") cols[s.name] = Float64Array.from(order, (i) => wOf(i) * w);
    else if (s.name === "ts") cols[s.name] = Float64Array.from(order, (i) => origin + wOf(i) * w * 1e6);
    else if (s.name === "pid") cols[s.name] = Uint32Array.from(order, pOf);
    else if (isStringColumn(c))
      cols[s.name] = { codes: Uint32Array.from(order, (i) => c.codes[src(i)]!), dict: c.dict };
    else cols[s.name] = Float64Array.from(order, (i) => Number((c as ArrayLike<number>)[src(i)]));
  }
  const keys = new Frame(f.keys.name, f.keys.schema, cols, total);
  return { ...f, matrix: { ...f.matrix, data, rows: total }, keys, partial, missing };
}

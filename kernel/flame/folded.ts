// Folded stacks: the one-line-per-stack form of Brendan Gregg's stackcollapse tools ("main;parse;read 42"),
// gathered from any frame with a `stack` column (profile, offcpu, a cell collector's), filtered by process
// and time, and read or written as text.

import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";

/** Stack (root first, `;` between frames) → weight (samples, ns off-CPU, counts). */
export type Folded = Map<string, number>;

/** Weight columns a stacks frame may have, in the order they are preferred. */
export const WEIGHT_COLUMNS = ["samples", "offcpu_ns", "count", "calls", "bytes"] as const;

/** The weight column of a frame with stacks, if any. */
export function weightColumn(f: Frame): string | undefined {
  return WEIGHT_COLUMNS.find((c) => f.has(c));
}

/** True when a frame holds folded stacks (a `stack` column and a weight). */
export function hasStacks(f: Frame): boolean {
  return f.has("stack") && weightColumn(f) !== undefined;
}

export interface FoldOptions {
  /** Only this process (and, with a list, these). */
  pid?: number | readonly number[];
  /** Only rows with t_s in [from, to) (seconds since the capture began). */
  from?: number;
  to?: number;
  /** The weight column (default: samples, offcpu_ns, count, calls or bytes, whichever the frame has). */
  weight?: string;
  /**
   * A root frame per process: "process" (the process name, default), "comm" (thread name), "pid"
   * ("name-1234", as `perf script` folds), or "none".
   */
  groupBy?: "process" | "comm" | "pid" | "none";
}

/**
 * The folded stacks of a frame, their weights summed over the rows that pass the filters.
 * @example const f = foldStacks(cap.frame("profile"), { pid: 1234, from: 5, to: 10 });
 */
export function foldStacks(frame: Frame, o: FoldOptions = {}): Folded {
  if (!frame.has("stack")) {
    throw new OptionError(
      `frame ${frame.name} has no stack column`,
      "fold a frame of the profile or offcpu collector (or of a cell collector that records stacks)",
    );
  }
  const weight = o.weight ?? weightColumn(frame);
  if (!weight || !frame.has(weight)) {
    throw new OptionError(
      `frame ${frame.name} has no weight column${o.weight ? ` ${o.weight}` : ""}`,
      `pass weight: one of ${frame.columnNames.filter((c) => frame.spec(c).type !== "str").join(", ")}`,
    );
  }
  const pids = o.pid === undefined ? undefined : new Set(typeof o.pid === "number" ? [o.pid] : o.pid);
  const w = frame.numeric(weight);
  const stacks = frame.strings("stack");
  const t = frame.has("t_s") ? frame.numeric("t_s") : undefined;
  const pid = frame.has("pid") ? frame.numeric("pid") : undefined;
  const group = o.groupBy ?? "process";
  const names =
    group === "none"
      ? undefined
      : frame.has(group === "comm" ? "comm" : "process")
        ? frame.strings(group === "comm" ? "comm" : "process")
        : undefined;
  const out: Folded = new Map();
  for (let i = 0; i < frame.length; i++) {
    if (pids && (!pid || !pids.has(pid[i]!))) continue;
    if (t && ((o.from !== undefined && t[i]! < o.from) || (o.to !== undefined && t[i]! >= o.to))) continue;
    const v = w[i]!;
    if (!(v > 0)) continue;
    let s = stacks[i]!;
    if (names) {
      const root = group === "pid" && pid ? `${names[i]}-${pid[i]}` : names[i]!;
      s = s ? `${clean(root)};${s}` : clean(root);
    }
    out.set(s, (out.get(s) ?? 0) + v);
  }
  return out;
}

const clean = (s: string) => s.replace(/;/g, ":").replace(/\s+$/, "") || "[unnamed]";

/** Text in the folded format, heaviest stack first: one "stack weight" line each. */
export function formatFolded(f: Folded): string {
  const rows = [...f].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return (
    rows.map(([s, v]) => `${s} ${Number.isInteger(v) ? v : v.toPrecision(15)}`).join("\n") + (rows.length ? "\n" : "")
  );
}

/** Parses folded text (what flamegraph.pl reads): "stack weight" per line; repeated stacks add up. */
export function parseFolded(text: string): Folded {
  const out: Folded = new Map();
  let line = 0;
  for (const raw of text.split("\n")) {
    line++;
    const l = raw.trimEnd();
    if (!l) continue;
    const sp = l.lastIndexOf(" ");
    const v = sp > 0 ? Number(l.slice(sp + 1)) : NaN;
    if (!Number.isFinite(v)) {
      throw new OptionError(
        `folded stacks, line ${line}: no weight at the end of ${JSON.stringify(l.slice(0, 60))}`,
        'each line is "frame;frame;frame N"',
      );
    }
    const s = l.slice(0, sp);
    out.set(s, (out.get(s) ?? 0) + v);
  }
  return out;
}

/** The total weight of some stacks. */
export function totalWeight(f: Folded): number {
  let t = 0;
  for (const v of f.values()) t += v;
  return t;
}

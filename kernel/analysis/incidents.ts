// Incidents: consecutive anomalous windows of one entity merge into one episode, and overlapping episodes of
// related processes (parent and child, siblings, a small cgroup) into one incident, with its peak and entities.

import type { Cell } from "../frame/frame.js";
import type { Features } from "../features/features.js";
import { ProcessFacts, relatedByTree } from "../features/process-facts.js";
import { waitBetween, WaitedOn, waitedOn, WaitKind } from "./incident-waits.js";

export interface IncidentCore {
  /** Seconds since capture start: the first flagged window's start, the last one's end. */
  start_s: number;
  end_s: number;
  /** Its rows' scores combined: their sum (evidence adds up over windows) or their maximum (IncidentOptions.combine). */
  score: number;
  /**
   * The peak process's highest row, whose drivers explain the incident: the process the others in it waited on
   * most (sched_waits), else the process of the highest row.
   */
  peakRow: number;
  /** Flagged rows, in time order. */
  rows: number[];
  /** The entities involved (key columns of Features: pid and comm, ...), the peak's first. */
  entities: Record<string, Cell>[];
  /**
   * Processes of the incident that waited on another of its processes through it (sched_waits): blocked until
   * that one woke them, or queued for CPUs it held; the waiting pid, the one it waited on, how, and for how long.
   */
  waitedOn?: { pid: number; on: number; kind: WaitKind; waitS: number }[];
  /** Processes outside the incident its peak process waited on through it (a lock's holder, a CPU hog). */
  blockedBy?: WaitedOn[];
}

/** Waits between two processes decide an incident's peak when |a − b| ≥ this × (a + b): one side's 3× the other's. */
const ONE_SIDED = 0.5;

export interface IncidentOptions {
  /**
   * "max" (default): an incident scores its peak row, and rows at the threshold flag. "sum": rows at `rowThreshold`
   * flag, an incident scores the sum of its rows and is kept at the threshold (for additive scores such as Σ z²,
   * so a moderate anomaly lasting many windows is found, a single noisy window is not).
   */
  combine?: "max" | "sum";
  rowThreshold?: number;
  /**
   * Rows flagged whatever their own score ("sum"): windows of a run that is anomalous as a whole, none of them
   * alone (a process silent for several windows, each as rare as idleness is for it).
   */
  alsoFlag?: Uint8Array;
  /** Only rows from this window on can be flagged (the reference period before it is normal by definition). */
  fromWindow?: number;
  /** Windows of calm that still join two flagged windows into one episode (default 1). */
  gapWindows?: number;
  /** Merge related processes' overlapping episodes (default true). */
  mergeRelated?: boolean;
  /**
   * A cgroup relates its processes only when it holds at most this many in the capture (default 4): a session
   * or system slice holding everything relates nothing. A container of a few processes does.
   */
  maxCgroupSize?: number;
}

/**
 * Incidents from row scores (see IncidentOptions.combine); incidents are ordered by score, highest first. Facts
 * (parents, cgroups) relate processes when the features are by pid.
 */
export function buildIncidents(
  f: Features,
  scores: Float64Array,
  threshold: number,
  facts: ProcessFacts | undefined,
  opts: IncidentOptions = {},
): IncidentCore[] {
  const w = f.windowS;
  const t = f.keys.numeric("t_s");
  const win = Int32Array.from(t, (v) => Math.round(v / w));
  const from = opts.fromWindow ?? 0;
  const gap = opts.gapWindows ?? 1;
  const keyCols = f.keys.columnNames.filter((c) => c !== "t_s" && c !== "ts");
  const keyVals = keyCols.map((c) => f.keys.values(c));
  const entityOf = (r: number): string => keyVals.map((v) => String(v[r])).join("\u0000");
  const pid = f.keys.has("pid") && !f.keys.has("tid") ? f.keys.numeric("pid") : undefined;

  // Episodes: per entity, flagged windows no more than `gap` calm windows apart.
  const sum = opts.combine === "sum";
  const rowCut = sum ? (opts.rowThreshold ?? threshold) : threshold;
  const flagged = [...scores.keys()].filter(
    (r) => (scores[r]! >= rowCut || (sum && opts.alsoFlag?.[r] === 1)) && win[r]! >= from,
  );
  flagged.sort((a, b) => (entityOf(a) < entityOf(b) ? -1 : entityOf(a) > entityOf(b) ? 1 : win[a]! - win[b]!));
  const episodes: { rows: number[]; first: number; last: number; pid?: number }[] = [];
  for (const r of flagged) {
    const e = episodes[episodes.length - 1];
    if (e && entityOf(e.rows[0]!) === entityOf(r) && win[r]! - e.last <= gap + 1) {
      e.rows.push(r);
      e.last = win[r]!;
    } else episodes.push({ rows: [r], first: win[r]!, last: win[r]!, ...(pid ? { pid: pid[r]! } : {}) });
  }

  // Related, overlapping episodes share an incident (union-find).
  const parent = episodes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  if (opts.mergeRelated !== false && facts && pid) {
    const maxCg = opts.maxCgroupSize ?? 4;
    const name = f.keys.has("comm") ? f.keys.strings("comm") : undefined;
    // Parent and child share an incident when the child is a forked copy (same name) or lived and died inside the
    // parent's episode (a fork storm's children, a shell's pipeline); a long-lived child of a busy supervisor is
    // its own story, however its times overlap.
    const related = (a: (typeof episodes)[number], b: (typeof episodes)[number]): boolean => {
      const [pa, pb] = [a.pid!, b.pid!];
      if (relatedByTree(facts, pa, pb)) {
        if (name && name[a.rows[0]!] === name[b.rows[0]!]) return true;
        const [parent, child] = facts.parent.get(pb) === pa ? [a, b] : [b, a];
        const start = facts.startS.get(child.pid!);
        const exit = facts.exitS.get(child.pid!);
        const within = (s: number | undefined) =>
          s !== undefined && s / w >= parent.first - 1 && s / w <= parent.last + 2;
        if (within(start) && within(exit)) return true;
      }
      const ca = facts.cgroup.get(pa);
      return ca !== undefined && ca === facts.cgroup.get(pb) && (facts.cgroupSize.get(ca) ?? Infinity) <= maxCg;
    };
    for (let i = 0; i < episodes.length; i++) {
      for (let j = i + 1; j < episodes.length; j++) {
        const a = episodes[i]!;
        const b = episodes[j]!;
        const overlap = a.first <= b.last + gap + 1 && b.first <= a.last + gap + 1;
        if (overlap && a.pid !== b.pid && related(a, b)) parent[find(i)] = find(j);
      }
    }
  }
  // A process that waited through an episode on another process (blocked until woken by it, or queued for CPUs it
  // held) joins that one's overlapping episode in one incident, whose peak is the one waited on: redis-server
  // asleep in DEBUG SLEEP, not the clients waiting on it; a CPU hog, not the processes queued behind it.
  const waited = new Map<number, Map<number, { kind: WaitKind; waitS: number }>>(); // waiting pid → on whom
  if (opts.mergeRelated !== false && facts?.waitsOn.size && pid) {
    const byPid = new Map<number, number[]>();
    episodes.forEach((e, i) => byPid.set(e.pid!, [...(byPid.get(e.pid!) ?? []), i]));
    // Only the one it waited on longest among those with an overlapping episode: a kernel thread queued behind
    // two busy processes must not join their incidents into one.
    const overlaps = (a: (typeof episodes)[number], b: (typeof episodes)[number]) =>
      b.first <= a.last + gap + 1 && a.first <= b.last + gap + 1;
    episodes.forEach((a, i) => {
      for (const o of waitedOn(facts, a.pid!, a.first, a.last, gap + 1, w)) {
        const js = (byPid.get(o.pid) ?? []).filter((j) => overlaps(a, episodes[j]!));
        if (!js.length) continue;
        for (const j of js) parent[find(i)] = find(j);
        const on = waited.get(a.pid!) ?? new Map<number, { kind: WaitKind; waitS: number }>();
        on.set(o.pid, { kind: o.kind, waitS: o.waitS });
        waited.set(a.pid!, on);
        break; // waitedOn is longest first
      }
    });
  }
  const groups = new Map<number, number[]>();
  episodes.forEach((e, i) => {
    const g = find(i);
    groups.set(g, [...(groups.get(g) ?? []), ...e.rows]);
  });
  const out: IncidentCore[] = [];
  for (const rows of groups.values()) {
    rows.sort((a, b) => win[a]! - win[b]! || scores[b]! - scores[a]!);
    // The peak: the highest row of the process the others waited on most, net of its own waits on them (CPU
    // contenders queue behind one another both ways; a hog at nice -10 is queued behind far more than it queues).
    // A pair that waited on each other about as much says nothing of which one caused it (five threads renaming
    // in one directory and a pinned loop, 0.73 s and 0.65 s of run-queue wait on each other): the waits decide
    // only where one side's is at least three times the other's. Without such waits, the highest row.
    const pids = pid ? new Set(rows.map((r) => pid[r]!)) : undefined;
    const net = new Map<number, number>();
    const [lo, hi] = [win[rows[0]!]!, win[rows[rows.length - 1]!]!]; // rows are in window order
    for (const p of pids ?? [])
      for (const [q, x] of waited.get(p) ?? [])
        if (q !== p && pids!.has(q)) {
          const there = waitBetween(facts, p, q, lo, hi, gap + 1, w);
          const back = waitBetween(facts, q, p, lo, hi, gap + 1, w);
          if (Math.abs(there - back) < ONE_SIDED * (there + back)) continue;
          net.set(q, (net.get(q) ?? 0) + x.waitS);
          net.set(p, (net.get(p) ?? 0) - x.waitS);
        }
    const most = Math.max(0, ...net.values());
    const held = most > 0 ? rows.filter((r) => net.get(pid![r]!) === most) : rows;
    const peakRow = held.reduce((best, r) => (scores[r]! > scores[best]! ? r : best), held[0]!);
    const waitedOnIn = pids
      ? [...pids]
          .flatMap((p) =>
            [...(waited.get(p) ?? [])].filter(([q]) => pids.has(q)).map(([on, x]) => ({ pid: p, on, ...x })),
          )
          .sort((a, b) => b.waitS - a.waitS)
      : [];
    // Entities by their highest row, the peak's first.
    const best = new Map<string, number>();
    for (const r of rows) {
      const k = entityOf(r);
      const b = best.get(k);
      if (b === undefined || scores[r]! > scores[b]!) best.set(k, r);
    }
    const peakKey = entityOf(peakRow);
    let blockedBy: WaitedOn[] = [];
    if (pid) {
      const own = rows.filter((r) => pid[r] === pid[peakRow]).map((r) => win[r]!);
      blockedBy = waitedOn(facts, pid[peakRow]!, Math.min(...own), Math.max(...own), gap + 1, w)
        .filter((o) => !pids!.has(o.pid))
        .slice(0, 2);
    }
    const entities = [...best.values()]
      .sort((a, b) => +(entityOf(b) === peakKey) - +(entityOf(a) === peakKey) || scores[b]! - scores[a]!)
      .map((r) => Object.fromEntries(keyCols.map((c, j) => [c, keyVals[j]![r]!])));
    // the peak score is the highest row's, which need not be the peak process's (a client outscoring the server
    // it waited on)
    const total = sum ? rows.reduce((a, r) => a + scores[r]!, 0) : Math.max(...rows.map((r) => scores[r]!));
    if (sum && total < threshold) continue;
    out.push({
      start_s: Math.min(...rows.map((r) => t[r]!)),
      end_s: Math.max(...rows.map((r) => t[r]!)) + w,
      score: total,
      peakRow,
      rows,
      entities,
      ...(waitedOnIn.length ? { waitedOn: waitedOnIn } : {}),
      ...(blockedBy.length ? { blockedBy } : {}),
    });
  }
  return out.sort((a, b) => b.score - a.score || a.start_s - b.start_s);
}

// Whom a process waited on through an episode (sched_waits, via ProcessFacts.waitsOn): the processes whose
// threads ended its long blocks by waking it, and those holding the CPUs it queued for. Incidents use it to join
// a stalled process's waiters to it, and to name the process outside an incident that kept its peak waiting.

import type { ProcessFacts } from "../features/process-facts.js";

export type WaitKind = "wakeup" | "cpu";

export interface WaitedOn {
  /** The other process, its name, and how it kept this one waiting. */
  pid: number;
  name: string;
  kind: WaitKind;
  /** wakeup: the longest block it ended; cpu: the run-queue time behind it, summed over the episode (s). */
  waitS: number;
}

/**
 * The processes `pid` waited on through windows [first, last + after] (window length `w` s), each by the kind
 * that kept it waiting longest, when that is at least half a window: a block that long ended by the other's
 * wakeup (a lock's holder, a pipe's writer, a server replying at last), or that long queued for CPUs the other
 * held. Shorter waits are what busy processes do to each other all the time.
 */
export function waitedOn(
  facts: ProcessFacts | undefined,
  pid: number,
  first: number,
  last: number,
  after: number,
  w: number,
): WaitedOn[] {
  const waits = facts?.waitsOn.get(pid);
  if (!waits) return [];
  const by = new Map<string, WaitedOn>();
  for (const x of waits) {
    const at = Math.round(x.t_s / w);
    if (at < first || at > last + after || x.by === pid) continue;
    const k = `${x.by}\u0000${x.kind}`;
    const o = by.get(k) ?? { pid: x.by, name: x.byName, kind: x.kind, waitS: 0 };
    // a block is one wait (its longest says how long it stalled); a queue's waits add up
    o.waitS = x.kind === "cpu" ? o.waitS + x.totalS : Math.max(o.waitS, x.maxWaitS);
    by.set(k, o);
  }
  const best = new Map<number, WaitedOn>();
  for (const o of by.values()) if (o.waitS >= 0.5 * w && (best.get(o.pid)?.waitS ?? 0) < o.waitS) best.set(o.pid, o);
  return [...best.values()].sort((a, b) => b.waitS - a.waitS);
}

/**
 * How long `pid` waited on `on` in windows [first, last + after] (in seconds: a queue's waits added up, a block's
 * longest), whatever its size: to weigh two processes' waits on each other.
 */
export function waitBetween(
  facts: ProcessFacts | undefined,
  pid: number,
  on: number,
  first: number,
  last: number,
  after: number,
  w: number,
): number {
  let cpu = 0;
  let block = 0;
  for (const x of facts?.waitsOn.get(pid) ?? []) {
    const at = Math.round(x.t_s / w);
    if (x.by !== on || at < first || at > last + after) continue;
    if (x.kind === "cpu") cpu += x.totalS;
    else block = Math.max(block, x.maxWaitS);
  }
  return Math.max(cpu, block);
}

// What the capture says about each process beyond its rows: when it started and exited (process frame), its
// parent and cgroup, so that silent windows get rows, partial windows are known, and related processes can merge.

import type { Capture } from "../capture/capture.js";
import type { Frame } from "../frame/frame.js";
import { isStringColumn } from "../frame/frame.js";

export interface ProcessFacts {
  /** pid → parent pid, from fork and exec events. */
  parent: Map<number, number>;
  /** pid → cgroup id (as a decimal string), from any frame that has both. */
  cgroup: Map<number, string>;
  /** pid → how many pids share its cgroup in this capture. */
  cgroupSize: Map<string, number>;
  /** pid → time (s since capture start) of its exec or fork, when it started during the capture. */
  startS: Map<number, number>;
  /** pid → time of its exit, when it exited during the capture. */
  exitS: Map<number, number>;
  /**
   * pid → the processes that held it, in time order, where the process frame saw one end or begin: a pid is
   * reused once the kernel's pid numbers wrap (pid_max is 32,768 on a small machine, and a fork storm of 330,000
   * children wraps it ten times), so one pid can be many processes, with time between them when none held it.
   */
  lives: Map<number, Life[]>;
  /** pid → whom its threads waited on, per interval (the sched_waits frame). */
  waitsOn: Map<number, WaitRecord[]>;
}

/** One process's hold of a pid: from its fork or exec (unknown: before the capture) to its exit (unknown: alive at the end). */
export interface Life {
  startS?: number;
  exitS?: number;
}

export interface WaitRecord {
  /** The interval (its t_s). */
  t_s: number;
  /** The other process: the one that woke the thread ("wakeup"), or held the CPU it queued for ("cpu"). */
  by: number;
  byName: string;
  kind: "wakeup" | "cpu";
  maxWaitS: number;
  totalS: number;
}

type Frames = Readonly<Record<string, Frame>>;

/** Reads ProcessFacts from a capture's frames (any missing frame contributes nothing). */
export function processFacts(cap: Pick<Capture, "frames">): ProcessFacts {
  const facts: ProcessFacts = {
    parent: new Map(),
    cgroup: new Map(),
    cgroupSize: new Map(),
    startS: new Map(),
    exitS: new Map(),
    lives: new Map(),
    waitsOn: new Map(),
  };
  const frames: Frames = cap.frames;
  const proc = frames["process"];
  if (proc && proc.has("event") && proc.has("pid") && proc.has("t_s")) {
    const ev = proc.column("event");
    const pid = proc.numeric("pid");
    const tid = proc.has("tid") ? proc.numeric("tid") : pid;
    const ppid = proc.has("ppid") ? proc.numeric("ppid") : undefined;
    const t = proc.numeric("t_s");
    for (let i = 0; i < proc.length; i++) {
      const e = isStringColumn(ev) ? ev.dict[ev.codes[i]!] : undefined;
      const p = pid[i]!;
      if ((e === "fork" || e === "exec") && ppid && ppid[i] !== p) facts.parent.set(p, ppid[i]!);
      if ((e === "fork" || e === "exec") && !facts.startS.has(p)) facts.startS.set(p, t[i]!);
      // A thread's exit is not its process's: only the thread-group leader's exit ends the process.
      if (e === "exit" && tid[i] === p) facts.exitS.set(p, t[i]!);
    }
    lifeSpans(facts.lives, ev, pid, tid, t, proc.length);
  }
  for (const [name, f] of Object.entries(frames)) {
    if (name === "labels" || !f.has("pid") || !f.has("cgroup_id")) continue;
    const pid = f.numeric("pid");
    const cg = f.column("cgroup_id");
    for (let i = 0; i < f.length; i++) {
      if (facts.cgroup.has(pid[i]!)) continue;
      const v = cg instanceof BigUint64Array ? cg[i]!.toString() : String((cg as ArrayLike<number>)[i]);
      facts.cgroup.set(pid[i]!, v);
    }
  }
  for (const cg of facts.cgroup.values()) facts.cgroupSize.set(cg, (facts.cgroupSize.get(cg) ?? 0) + 1);
  const waits = frames["sched_waits"];
  if (waits && waits.length && waits.has("by_pid") && waits.has("kind")) {
    const pid = waits.numeric("pid"),
      by = waits.numeric("by_pid"),
      max = waits.numeric("max_wait_ns"),
      total = waits.numeric("wait_ns"),
      t = waits.numeric("t_s"),
      kind = waits.strings("kind"),
      name = waits.strings("by_process");
    for (let i = 0; i < waits.length; i++) {
      const k = kind[i];
      if (k !== "wakeup" && k !== "cpu") continue;
      const list = facts.waitsOn.get(pid[i]!) ?? [];
      list.push({
        t_s: t[i]!,
        by: by[i]!,
        byName: name[i] ?? "",
        kind: k,
        maxWaitS: max[i]! / 1e9,
        totalS: total[i]! / 1e9,
      });
      facts.waitsOn.set(pid[i]!, list);
    }
  }
  return facts;
}

/**
 * Each pid's lives from the process frame's events, taken in time order: a fork or exec begins one unless a life
 * already runs (an exec replaces the program, not the process), a leader's exit ends the one that runs (or one
 * that began before the capture).
 */
function lifeSpans(
  lives: Map<number, Life[]>,
  ev: ReturnType<Frame["column"]>,
  pid: ArrayLike<number>,
  tid: ArrayLike<number>,
  t: ArrayLike<number>,
  n: number,
): void {
  if (!isStringColumn(ev)) return;
  const code = (name: string) => ev.dict.indexOf(name);
  const fork = code("fork"),
    exec = code("exec"),
    exit = code("exit");
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = ev.codes[i]!;
    if (c === fork || c === exec || (c === exit && tid[i] === pid[i])) rows.push(i);
  }
  rows.sort((a, b) => t[a]! - t[b]! || a - b);
  const open = new Set<number>();
  for (const i of rows) {
    const p = pid[i]!;
    let list = lives.get(p);
    if (!list) lives.set(p, (list = []));
    if (ev.codes[i] === exit) {
      if (open.delete(p)) list[list.length - 1]!.exitS = t[i]!;
      else list.push({ exitS: t[i]! });
    } else if (!open.has(p)) {
      open.add(p);
      list.push({ startS: t[i]! });
    }
  }
}

/**
 * Whether pid a is b's parent or child. Siblings are not related by themselves (every service is a sibling under
 * its supervisor); a parent in the same incident relates its children through it.
 */
export function relatedByTree(facts: ProcessFacts, a: number, b: number): boolean {
  return facts.parent.get(a) === b || facts.parent.get(b) === a;
}

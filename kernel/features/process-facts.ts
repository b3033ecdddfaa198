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
  /** pid → whom its threads waited on, per interval (the sched_waits frame). */
  waitsOn: Map<number, WaitRecord[]>;
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
 * Whether pid a is b's parent or child. Siblings are not related by themselves (every service is a sibling under
 * its supervisor); a parent in the same incident relates its children through it.
 */
export function relatedByTree(facts: ProcessFacts, a: number, b: number): boolean {
  return facts.parent.get(a) === b || facts.parent.get(b) === a;
}

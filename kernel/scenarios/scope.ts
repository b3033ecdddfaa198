// A scenario capture narrowed to what the scenario is about: its own processes (the runner, the baseline, the
// injected ones and all their children) and the kernel's threads, without other users' work on a shared machine,
// which would be unlabelled anomalies in a corpus. The whole-machine capture is the default; this is opt-in.

import { readdirSync, readFileSync } from "node:fs";
import type { Capture } from "../capture/capture.js";
import type { Frame } from "../frame/frame.js";

/** Pids of kernel threads now (kthreadd, pid 2, and its children). */
export function kernelThreads(): Set<number> {
  const out = new Set<number>([2]);
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      if (s.slice(s.lastIndexOf(")") + 2).split(" ")[1] === "2") out.add(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

export interface ScopeResult {
  frames: Record<string, Frame>;
  /** Rows removed per frame. */
  removedRows: Record<string, number>;
  /** On-CPU seconds per second of the removed processes (how busy the rest of the machine was). */
  foreignCpu: number;
}

/**
 * The frames of `cap` keeping only rows of `roots` (and every process they forked during the capture, followed
 * through the process frame's fork events) and of kernel threads (`kthreads`, plus those kthreadd forked).
 * Frames without a pid column (labels) are kept whole.
 */
export function scenarioScope(cap: Capture, roots: Iterable<number>, kthreads: Iterable<number>): ScopeResult {
  const keep = new Set<number>([...roots, ...kthreads]);
  const proc = cap.frames.process;
  if (proc && proc.has("ppid")) {
    const ev = proc.strings("event");
    const pid = proc.numeric("pid");
    const ppid = proc.numeric("ppid");
    const t = proc.numeric("t_s");
    const order = Array.from({ length: proc.length }, (_, i) => i).sort((a, b) => t[a]! - t[b]!);
    for (const i of order) if (ev[i] === "fork" && keep.has(ppid[i]!)) keep.add(pid[i]!);
  }
  const frames: Record<string, Frame> = {};
  const removedRows: Record<string, number> = {};
  let foreignNs = 0;
  for (const [name, f] of Object.entries(cap.frames)) {
    if (!f.has("pid") || f.length === 0) {
      frames[name] = f;
      continue;
    }
    const pid = f.numeric("pid");
    frames[name] = f.filter((i) => keep.has(pid[i]!));
    removedRows[name] = f.length - frames[name].length;
    if (name === "sched" && f.has("oncpu_ns")) {
      const on = f.numeric("oncpu_ns");
      for (let i = 0; i < f.length; i++) if (!keep.has(pid[i]!)) foreignNs += on[i]!;
    }
  }
  const elapsedS = Math.max(1e-9, cap.meta.elapsedMs / 1000);
  return { frames, removedRows, foreignCpu: Math.round((foreignNs / 1e9 / elapsedS) * 1000) / 1000 };
}

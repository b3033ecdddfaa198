// Shared by the live scenario tests: short runs, label windows, and the leftover checks (processes, temp dirs).

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { expect } from "vitest";
import { tmpdir } from "node:os";
import type { Capture } from "../../kernel/capture/capture.js";
import { scenarioLabels } from "../../kernel/scenarios/labels.js";
import { nativeBinDir } from "../../kernel/scenarios/native-bin.js";
import { planScenario } from "../../kernel/scenarios/plan.js";
import { runScenario } from "../../kernel/scenarios/run-scenario.js";
import type { ScenarioLabel, ScenarioPlan } from "../../kernel/scenarios/scenario-types.js";
import { signalSeries } from "../../kernel/scenarios/signal-series.js";

/** Short enough for CI (2 cores), long enough for a warm-up, two or more whole windows of anomaly, a tail. */
export const SHORT = "7s";

/** The first seed whose short plan runs `name` in a new process or in a running one. */
export function seedFor(name: string, host: "new" | "running"): number {
  for (let seed = 1; seed < 200; seed++)
    if (planScenario(name, { seed, duration: SHORT }).injection?.host.kind === host) return seed;
  throw new Error(`no seed runs ${name} in a ${host} process`);
}

export interface ShortRun {
  cap: Capture;
  plan: ScenarioPlan;
  labels: ScenarioLabel[];
  /** The label of `role` (throws when there is none). */
  label(role: ScenarioLabel["role"]): ScenarioLabel;
  /** `signal` per 1 s window for `pid`. */
  series(pid: number, signal: string): Float64Array;
}

export async function runShort(name: string, seed: number): Promise<ShortRun> {
  const cap = await runScenario(name, { seed, duration: SHORT });
  const labels = scenarioLabels(cap);
  const plan = planScenario(name, { seed, duration: SHORT });
  // every injection starts when its seed says (a blocked worker at its next job, a moment later)
  for (const l of labels) {
    expect(l.start_s - plan.injectAtS!, `${name} ${l.role}`).toBeGreaterThan(-0.2);
    expect(l.start_s - plan.injectAtS!, `${name} ${l.role}`).toBeLessThan(l.kind === "blocked" ? 1.5 : 0.3);
  }
  return {
    cap,
    plan,
    labels,
    label(role) {
      const l = labels.find((x) => x.role === role);
      if (!l) throw new Error(`no ${role} label in ${JSON.stringify(labels)}`);
      return l;
    },
    series: (pid, signal) => signalSeries(cap, pid, signal).value,
  };
}

/** 1 s windows wholly inside the label (window w covers [w, w+1); interval edges drift by a tick). */
export function inside(l: ScenarioLabel, n: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < n; w++) if (w >= l.start_s - 0.1 && w + 1 <= l.end_s + 0.1) out.push(w);
  return out;
}

/** Windows that overlap the label at all. */
export function touching(l: ScenarioLabel, n: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < n; w++) if (w < l.end_s && w + 1 > l.start_s) out.push(w);
  return out;
}

/** Whole windows before the label, without the first (it begins before some threads' first event). */
export function before(l: ScenarioLabel): number[] {
  const out: number[] = [];
  for (let w = 1; w + 1 <= l.start_s - 0.1; w++) out.push(w);
  return out;
}

/** Windows clear of the label on both sides (not touching it), without the first and the last. */
export function outside(l: ScenarioLabel, n: number): number[] {
  const out: number[] = [];
  for (let w = 1; w < n - 1; w++) if (w + 1 <= l.start_s - 0.1 || w >= l.end_s + 0.1) out.push(w);
  return out;
}

/** On-CPU ns of every thread on the machine, per 1 s window. */
export function machineOncpu(cap: Capture): Float64Array {
  const f = cap.frame("sched");
  const t = f.numeric("t_s");
  const on = f.numeric("oncpu_ns");
  const out = new Float64Array(Math.ceil(cap.meta.elapsedMs / 1000));
  for (let i = 0; i < f.length; i++) out[Math.min(out.length - 1, Math.floor(t[i]!))]! += on[i]!;
  return out;
}

export const at = (v: Float64Array, ws: number[]) => ws.map((w) => v[w]!);
export const sumAt = (v: Float64Array, ws: number[]) => ws.reduce((a, w) => a + (v[w] ?? 0), 0);
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
export const total = (v: Float64Array) => v.reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);

/**
 * Processes still running from this process's scenarios: our native binaries, or a redis-server of a scenario
 * folder started from here (another bpflab's scenarios, such as a corpus being made, are not ours to count).
 */
export function leftovers(): string[] {
  const bin = nativeBinDir();
  const out: string[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const exe = readlinkSync(`/proc/${d}/exe`);
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ");
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const mine = ppid === process.pid || ppid === 1;
      if (mine && (exe.startsWith(bin + "/") || (cmd.includes("redis-server") && cmd.includes("bpflab-scenario-"))))
        out.push(`${d}: ${cmd}`);
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

/** Scenario scratch folders in the temp folders that this process's runs made (their owner file names it). */
export function scratchDirs(): string[] {
  return [tmpdir(), "/var/tmp"].flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.startsWith("bpflab-scenario-"))
        .map((f) => `${d}/${f}`)
        .filter((p) => {
          try {
            return Number(readFileSync(`${p}/owner`, "utf8")) === process.pid;
          } catch {
            return false;
          }
        });
    } catch {
      return [];
    }
  });
}

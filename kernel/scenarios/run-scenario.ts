// runScenario: starts a seed's baseline, captures the machine, injects the anomaly at its planned time and
// returns the capture with a `labels` frame; every process it started is gone when it returns or throws.

import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Capture } from "../capture/capture.js";
import type { CaptureMeta } from "../capture/capture-meta.js";
import { writeCapture } from "../capture/capture-files.js";
import { OutputDir, prepareOutput } from "../capture/output-dir.js";
import { capture, CaptureOptions } from "../capture/engine.js";
import { takeSignals } from "../capture/signals.js";
import { collectors as registry } from "../collectors/registry.js";
import { ScenarioError } from "../errors.js";
import { checkPrivileges } from "../loader/preflight.js";
import { log } from "../log.js";
import { startBaseline } from "./baseline.js";
import { InjectionRun, startInjection } from "./inject.js";
import { buildLabels, LABELS_FRAME } from "./labels.js";
import { nativeBin } from "./native-bin.js";
import { planScenario, PlanOptions } from "./plan.js";
import { ProcessSet } from "./scenario-process.js";
import type { ScenarioMeta } from "./scenario-types.js";
import { kernelThreads, scenarioScope } from "./scope.js";

/** What every scenario captures (at 1 s intervals unless told otherwise). */
export const SCENARIO_COLLECTORS = ["sched", "syscalls", "process", "memory", "net"];
/**
 * Collectors added when this bpflab has them: disk sees disk-stall's and the AOF stall's I/O, locks the
 * lock-contention's waits, signals the OOM kill.
 */
const OPTIONAL_COLLECTORS = ["disk", "locks", "signals"];

export interface ScenarioOptions extends PlanOptions {
  /** Also save the capture here (labels.parquet beside the collectors' files); checked before anything starts. */
  out?: string;
  /** Replace a capture already in `out` (never other files). */
  force?: boolean;
  /** Instead of the default collectors (SCENARIO_COLLECTORS, plus disk where available). */
  collectors?: CaptureOptions["collectors"];
  interval?: string | number;
  /** Ends the scenario early; the capture so far is kept, labelled up to then. */
  signal?: AbortSignal;
  onInterval?: CaptureOptions["onInterval"];
  /** SIGINT/SIGTERM end the scenario early instead of the process (default true). */
  handleSignals?: boolean;
  /**
   * "machine" (default): every process on the machine, as captured. "scenario": only the scenario's own
   * processes (this one, the baseline, the injected ones, their children) and kernel threads: other users' work
   * on a shared machine would be unlabelled anomalies (what datasets/scenarios is made with).
   */
  scope?: "machine" | "scenario";
}

/** A scenario capture's meta: the capture's own plus the plan it was made from. */
export type ScenarioCaptureMeta = CaptureMeta & { scenario: ScenarioMeta };

export function defaultScenarioCollectors(): string[] {
  return [...SCENARIO_COLLECTORS, ...OPTIONAL_COLLECTORS.filter((c) => c in registry)];
}

/**
 * Runs scenario `name` (see listScenarios) with real processes: the seed's baseline load, a capture of the
 * whole machine, and the anomaly injected at the plan's time; returns the Capture with its `labels` frame
 * (see scenarioLabels) and the plan in `meta.scenario`. Needs root. Ctrl-C (or `signal`) ends it early and
 * keeps what was captured.
 * @example const cap = await runScenario("cpu-hog", { seed: 3, duration: "40s", out: "/tmp/cpu-hog-3" });
 */
export async function runScenario(name: string, options: ScenarioOptions = {}): Promise<Capture> {
  const plan = planScenario(name, options);
  checkPrivileges();
  nativeBin("exec-guard"); // built? (before anything starts)
  const outDir: OutputDir | undefined = options.out
    ? await prepareOutput(options.out, { force: options.force ?? false })
    : undefined;
  let wrote = false;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort);
  let restoreSignals = () => {};
  if (options.handleSignals ?? true) {
    await new Promise<void>((r) => setImmediate(r)); // not in tslab's synchronous cell part (see takeSignals)
    restoreSignals = takeSignals(() => stop.abort());
  }
  const dir = workDir();
  const set = new ProcessSet(dir);
  const ending = new AbortController(); // makes pending waits give up once the capture is over
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<InjectionRun | undefined> | undefined;
  let failure: unknown;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const t0 = Date.now();
    const kthreads = kernelThreads();
    const base = await startBaseline(plan.baseline, set, dir, stop.signal).catch((e: unknown) => {
      if (!stop.signal.aborted) throw e;
      throw new ScenarioError("scenario interrupted before its capture began: nothing captured", "", { cause: e });
    });
    log.debug(`scenario: baseline of ${base.procs.size} processes ready in ${Date.now() - t0} ms`);
    log.info(
      `scenario ${name} seed ${plan.seed}: ${plan.injection ? `${plan.injection.description}, at t = ${plan.injectAtS} s` : "no injection"}`,
    );
    const cap = await capture({
      collectors: options.collectors ?? defaultScenarioCollectors(),
      duration: plan.durationS * 1000,
      interval: options.interval ?? "1s",
      signal: stop.signal,
      handleSignals: false,
      onInterval: (p) => {
        // the first interval tells when the capture began; the injection is timed from it: a new process is
        // started then, a running host is told now and waits for the time itself
        if (plan.injection && plan.injectAtS !== null && timer === undefined && starting === undefined) {
          const inj = plan.injection;
          const lengthS = plan.lengthS ?? 0;
          const inject = (atNs?: bigint) => {
            starting = startInjection(inj, lengthS, base, set, cleanups, ending.signal, atNs).catch((e) => {
              failure ??= e;
              return undefined;
            });
          };
          if (inj.host.kind === "running") {
            const t0 = process.hrtime.bigint() - BigInt(Math.round(p.elapsedMs * 1e6));
            inject(t0 + BigInt(Math.round(plan.injectAtS * 1e9)));
          } else {
            timer = setTimeout(() => inject(), Math.max(0, plan.injectAtS * 1000 - p.elapsedMs));
          }
        }
        options.onInterval?.(p);
      },
    });
    clearTimeout(timer);
    const run = await starting;
    if (run && !cap.meta.interrupted) {
      // the plan leaves a tail after the anomaly, so it has ended by now; wait a little for its last reports
      await Promise.race([run.finished, new Promise((r) => setTimeout(r, 5000))]).catch((e) => (failure ??= e));
    }
    if (failure && !cap.meta.interrupted) throw failure;
    if (plan.injection && !run && !cap.meta.interrupted) {
      throw new ScenarioError(`the ${name} injection never started`, "give a longer --duration");
    }
    const labels = buildLabels(plan, run, base, cap);
    const processes = [{ name: "bpflab", pid: process.pid }, ...set.all.map((p) => ({ name: p.name, pid: p.pid }))];
    const scope = options.scope ?? "machine";
    let frames = cap.frames;
    const scenario: ScenarioMeta = { name, seed: plan.seed, plan, scope, processes };
    if (scope === "scenario") {
      for (const k of kernelThreads()) kthreads.add(k);
      const s = scenarioScope(cap, [process.pid, ...set.all.map((p) => p.pid)], kthreads);
      frames = s.frames;
      scenario.removedRows = s.removedRows;
      scenario.foreignCpu = s.foreignCpu;
    }
    const meta: ScenarioCaptureMeta = { ...cap.meta, scenario };
    const result = new Capture(meta, { ...frames, [LABELS_FRAME]: labels });
    const t1 = Date.now();
    await set.stopAll();
    log.debug(`scenario: processes stopped in ${Date.now() - t1} ms`);
    if (outDir) {
      await writeCapture(result, outDir);
      wrote = true;
    }
    return result;
  } finally {
    if (outDir && !wrote) outDir.discard();
    outDir?.close();
    clearTimeout(timer);
    ending.abort();
    await starting?.catch(() => undefined);
    await set.stopAll();
    for (const undo of cleanups) await undo();
    rmSync(dir, { recursive: true, force: true });
    restoreSignals();
    options.signal?.removeEventListener("abort", onAbort);
  }
}

const SCRATCH_PREFIX = "bpflab-scenario-";

/**
 * The scenario's scratch directory (mode 0700, random name, an `owner` file with this pid): on a disk, not tmpfs,
 * so fsync reaches one. Scratch directories of this user whose owner is dead (a bpflab killed with SIGKILL) are
 * removed first.
 */
function workDir(): string {
  const TMPFS_MAGIC = 0x01021994;
  let base = tmpdir();
  try {
    if (statfsSync(base).type === TMPFS_MAGIC) base = "/var/tmp";
  } catch {
    // keep tmpdir()
  }
  sweepStale(base);
  const dir = mkdtempSync(join(base, SCRATCH_PREFIX));
  writeFileSync(join(dir, "owner"), `${process.pid}\n`, { mode: 0o600, flag: "wx" });
  return dir;
}

function sweepStale(base: string): void {
  const uid = process.geteuid?.() ?? 0;
  for (const name of readdirSync(base)) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const dir = join(base, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || st.uid !== uid) continue; // not ours (and never through a symlink)
      const pid = Number(readFileSync(join(dir, "owner"), "utf8"));
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // no owner file (being created, or not a scenario's): leave it
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The plan a scenario capture was made from (undefined for other captures). */
export function scenarioOf(cap: Capture): ScenarioMeta | undefined {
  return (cap.meta as Partial<ScenarioCaptureMeta>).scenario;
}

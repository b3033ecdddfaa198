// Runs a plan's injection: in a new process (the native binary under the anomaly's name) or as a command to
// the control thread of a running baseline process, with its companion (net-sink) started first.

import { ScenarioError } from "../errors.js";
import { argList, RunningBaseline } from "./baseline.js";
import { MemoryCgroup } from "./memory-cgroup.js";
import { nativeBin } from "./native-bin.js";
import type { ProcessSet, ScenarioProcess } from "./scenario-process.js";
import type { InjectionPlan } from "./scenario-types.js";

export interface InjectionRun {
  host: ScenarioProcess;
  /** Index of the host's first report that belongs to this injection (a running host reported before). */
  from: number;
  companion?: ScenarioProcess;
  /** Settles when the anomaly has ended (rejects when it failed). */
  finished: Promise<void>;
  /** When a running host was told to start (its reports come only at the end: a cut-off run has none). */
  atNs?: bigint;
}

/**
 * Starts the injection; resolves once it runs (its "start" report can still be on its way). A running host is
 * handed the command at once and runs it at CLOCK_MONOTONIC `atNs`. What it creates besides processes (a
 * cgroup) goes into `cleanups`, for the runner to undo whatever happens.
 */
export async function startInjection(
  plan: InjectionPlan,
  lengthS: number,
  base: RunningBaseline,
  set: ProcessSet,
  cleanups: (() => Promise<void>)[],
  signal?: AbortSignal,
  atNs?: bigint,
): Promise<InjectionRun> {
  const runtime: Record<string, string | number> = {
    "@dir": base.dir,
    "@sock": base.redisSocket,
    "@lock": base.lockPath,
    "@api-port": base.apiPort,
  };
  let companion: ScenarioProcess | undefined;
  if (plan.companion === "net-sink") {
    companion = set.start(nativeBin("net-sink"), "net-sink", []);
    runtime["@sink-port"] = Number((await companion.waitFor("port", 5000, signal)).fields[0]);
  }
  if (Object.values(plan.args).includes("@cgroup-procs")) {
    const cg = MemoryCgroup.create(Number(plan.args.limit_bytes));
    cleanups.push(() => cg.remove());
    runtime["@cgroup-procs"] = cg.procs;
  }
  const args = Object.fromEntries(
    Object.entries(plan.args).map(([k, v]) => {
      if (typeof v !== "string" || !v.startsWith("@")) return [k, v];
      const r = runtime[v];
      if (r === undefined) throw new ScenarioError(`injection argument ${k}=${v} has no value`, "");
      return [k, r];
    }),
  );
  const waitMs = atNs !== undefined ? Math.max(0, Number(atNs - process.hrtime.bigint()) / 1e6) : 0;
  const limitMs = waitMs + lengthS * 1000 + 30_000;
  let host: ScenarioProcess;
  let from = 0;
  let done: Promise<unknown>;
  if (plan.host.kind === "new") {
    const proc = set.start(nativeBin(plan.host.name), plan.host.name, [plan.anomaly, ...argList(args)]);
    host = proc;
    done =
      plan.endsBy === "kill"
        ? // its end is its death: SIGKILL from the kernel (the OOM killer), exit status 137
          proc.waitFor("start", limitMs, signal).then(async () => {
            await proc.exited;
            if (proc.exitCode !== 137)
              throw new ScenarioError(`${proc.name} exited with ${proc.exitCode}, not killed (137)`, "");
          })
        : proc.waitFor("end", limitMs, signal).then(() => proc.exited);
  } else {
    const running = base.procs.get(plan.host.role);
    if (!running) throw new ScenarioError(`no running ${plan.host.role} to inject into`, "");
    host = running;
    from = host.reports.length;
    // handed over now, run by the host at `atNs` (see control_loop in native/scn.c)
    host.send([plan.anomaly, ...argList(args), ...(atNs !== undefined ? [`at=${atNs}`] : [])].join(" "));
    done = host.waitFor("done", limitMs, signal, from);
  }
  const finished = Promise.all([done, companion?.waitFor("end", limitMs, signal)]).then(() => {
    const failed = host.reports.slice(from).find((r) => r.kind === "error");
    if (failed) throw new ScenarioError(`${plan.anomaly} in ${host.name} failed: ${failed.fields.join(" ")}`, "");
  });
  finished.catch(() => {}); // observed by the runner; never an unhandled rejection meanwhile
  return { host, from, ...(companion ? { companion } : {}), ...(atNs !== undefined ? { atNs } : {}), finished };
}

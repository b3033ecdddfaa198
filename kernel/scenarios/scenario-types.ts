// The shapes of a scenario: its definition in the catalog, the plan a seed makes of it (pure data, saved in
// the capture's metadata) and the label rows that say what was injected, when, into which process.

/** The processes of the normal load (their names are their comms). */
export type BaselineRole =
  | "batch-job"
  | "api-server"
  | "api-client"
  | "app-logger"
  | "metrics-agent"
  | "idle-daemon"
  | "housekeeper"
  | "queue-worker"
  | "pinned-worker"
  | "redis-server"
  | "redis-client";

/** The baseline a seed makes: each process's arguments (its own seed, rates, periods). */
export interface BaselinePlan {
  processes: { role: BaselineRole; args: Record<string, number> }[];
  /** Keys redis-server is filled with (DEBUG POPULATE) before the capture. */
  redisKeys: number;
  /** The CPU the pinned worker (the noisy neighbour's victim) is pinned to. */
  pinnedCpu: number;
}

/**
 * Where an anomaly runs: a new process named `name` (its comm), or the control thread of a baseline process
 * that is already running, so that a process everyone has seen behaving normally turns anomalous.
 */
export type Host = { kind: "new"; name: string } | { kind: "running"; role: BaselineRole };

/**
 * - anomaly: the process whose own behaviour is the anomaly (what a detector should point at);
 * - cause: another process that brought it about (the lock holder, the noisy neighbour, the client sending
 *   DEBUG SLEEP);
 * - affected: a process whose numbers move as a side effect.
 */
export type LabelRole = "anomaly" | "cause" | "affected";

export interface LabelSpec {
  /** The injected (or hosting) process, the companion (net-sink) or a baseline process. */
  who: "host" | "companion" | BaselineRole;
  role: LabelRole;
  /** "collector:column up|down" or "collector:key column up|down", first = primary, e.g. "syscalls:getppid count up". */
  signals: string[];
  /** Which stat of the host's (or companion's) report gives the size; none: the label's duration in s. */
  magnitude?: { stat: string; unit: string; from?: "host" | "companion" };
  /**
   * The label's time: the host's start..end (default), the queue worker's lock waits during it, or the host's
   * start until its exit (a process the kernel kills: the exit in the process frame, to the nanosecond).
   */
  window?: "host" | "waits" | "exit";
}

export interface InjectionPlan {
  /** The anomaly of native/inject.c or native/redis.c the host runs. */
  anomaly: string;
  /**
   * Its arguments; "@dir", "@sock", "@lock", "@api-port", "@sink-port" and "@cgroup-procs" (a memory-limited
   * cgroup made for the run, of `limit_bytes`) are filled in at run time.
   */
  args: Record<string, number | string>;
  host: Host;
  /** A process started just before the injection for it to talk to. */
  companion?: "net-sink";
  /** How the anomaly ends: it reports "end" (default), or it is killed (by the OOM killer). */
  endsBy?: "report" | "kill";
  labels: LabelSpec[];
  description: string;
}

/** Everything a seed decides: reproducible, and stored in the capture's metadata as `scenario`. */
export interface ScenarioPlan {
  scenario: string;
  seed: number;
  durationS: number;
  warmupS: number;
  /** Seconds after the capture's start when the anomaly is injected (null: no injection). */
  injectAtS: number | null;
  lengthS: number | null;
  cpus: number;
  baseline: BaselinePlan;
  injection: InjectionPlan | null;
}

/** One row of a capture's `labels` frame (a superset of analysis/labels.ts's InjectedAnomaly). */
export interface ScenarioLabel {
  kind: string;
  role: LabelRole;
  pid: number;
  comm: string;
  /** True when the process was started for the anomaly (false: a running baseline process turned anomalous). */
  new_process: boolean;
  start_s: number;
  end_s: number;
  /** The primary signal, e.g. "sched:oncpu_ns", and which way it moves. */
  signal: string;
  direction: "up" | "down";
  /** All signals, "; "-separated, each "collector:column up|down". */
  signals: string;
  magnitude: number;
  magnitude_unit: string;
  description: string;
}

/** A scenario of the catalog, as `listScenarios()` gives it. */
export interface ScenarioInfo {
  name: string;
  summary: string;
  /** Range of the anomaly's length in seconds (shortened to fit short captures). */
  lengthS: [number, number];
  /** Where it can run: new process names and baseline processes. */
  hosts: string[];
  /** Primary signals of its labels. */
  signals: string[];
}

/** Meta of a scenario capture: the capture's own plus the plan it was made from. */
export interface ScenarioMeta {
  name: string;
  seed: number;
  plan: ScenarioPlan;
  /** "machine": every process; "scenario": only the scenario's and the kernel's (see runScenario). */
  scope: "machine" | "scenario";
  /** Every process the scenario started (baseline, injected) and bpflab itself, by name (comm) and pid. */
  processes: { name: string; pid: number }[];
  /** scope "scenario": rows of other processes removed, per frame. */
  removedRows?: Record<string, number>;
  /** scope "scenario": on-CPU s/s of the removed processes (how busy the rest of the machine was). */
  foreignCpu?: number;
}

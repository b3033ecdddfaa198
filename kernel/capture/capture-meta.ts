// CaptureMeta: what a capture records about itself (host, times, collectors, options, losses), stored in every
// file of a saved capture. Pairs with capture.ts (the Capture class) and the save/load modules.

/**
 * Version of the column layout and meaning of collectors' frames; bump when a schema changes incompatibly.
 * 3: sched charges a thread asleep since before the capture interval by interval (version 2 charged the whole
 * sleep to the interval of its first wakeup); schema-upgrade.ts maps older captures forward.
 */
export const SCHEMA_VERSION = 3;

/** Everything needed to interpret a capture later; stored in each Parquet file's key-value metadata. */
/**
 * The bpflab process that made a capture: meta.capturedBy, or (captures from before it was recorded) the "bpflab"
 * entry of a scenario capture's process list.
 */
export function observerPid(meta: object): number | undefined {
  const m = meta as { capturedBy?: number; scenario?: { processes?: { name: string; pid: number }[] } };
  return m.capturedBy ?? m.scenario?.processes?.find((p) => p.name === "bpflab")?.pid;
}

export interface CaptureMeta {
  bpflabVersion: string;
  schemaVersion: number;
  host: string;
  /** `uname -r` of the traced machine. */
  kernel: string;
  /** Wall-clock start, microseconds since the Unix epoch. */
  wallStartUs: number;
  /** CLOCK_MONOTONIC at start in ns (bpf_ktime_get_ns clock), as a decimal string: it passes 2^53. */
  monoStartNs: string;
  /** Requested duration (ms). */
  durationMs: number;
  /** How long the capture actually ran (ms): shorter when interrupted or when `command` exited. */
  elapsedMs: number;
  intervalMs: number;
  collectors: string[];
  /** Options per collector, as given (after defaults). */
  options: Record<string, Record<string, unknown>>;
  /** Events the kernel could not deliver (ring buffer full, map full), per collector. */
  lost: Record<string, number>;
  /** Event frames: records each CPU's ring buffer could not take (index = CPU), per frame; in `lost` too. */
  lostPerBuffer?: Record<string, number[]>;
  /**
   * Stack collectors (profile, offcpu): stacks gone when read (their rows say [lost user stack] or
   * [lost kernel stack]) and the binaries the frames were symbolized from, with build ids, per collector.
   */
  stacks?: Record<string, { lostStacks: number; binaries: { path: string; buildId?: string }[] }>;
  /** True when the capture was stopped early by SIGINT/SIGTERM or an error; the data up to then is kept. */
  interrupted: boolean;
  /** With a pid filter: children the tracker could not follow because its map was full (raise maxTracked). */
  filterOverflow?: number;
  /** Target process (and descendants), when filtered. */
  pid?: number;
  /** The bpflab process that made the capture: the observer, which detection leaves out by default. */
  capturedBy?: number;
  command?: string[];
  /** The cgroup filter: only processes in this cgroup v2 subtree (its path) were traced. */
  cgroup?: string;
  /** The name filter: only processes of this name were traced. */
  comm?: string;
  /** Exit code of `command`, when it exited during the capture. */
  commandExitCode?: number | null;
  /** The capture ended the command (duration, Ctrl-C, an error) rather than the command ending the capture. */
  commandTerminated?: boolean;
  /**
   * False when the capture was read from the segments of a capture that was cut off (bpflab killed, power lost)
   * and never finished; `missing` says what is missing. Absent (true) for a finished capture.
   */
  complete?: boolean;
  /** What a cut-off capture lacks (its last segment, lost-event counts, ...), in words. */
  missing?: string[];
  /** Set by `bpflab recover`: when the cut-off capture was finished from its segments, and why it had stopped. */
  recovered?: { at: string; reason: string };
  /** A flight-recorder capture (`ring`): only the window before `trigger` was kept. */
  ring?: RingMeta;
}

/** What a flight-recorder capture kept: the `windowMs` before `triggerS` (seconds since the start). */
export interface RingMeta {
  windowMs: number;
  /** Why the window was written: "end", "interrupted", "SIGUSR1", "predicate", "alert: …". */
  trigger: string;
  triggerS: number;
  /** Where the window begins (triggerS − windowMs, or the capture's start). */
  fromS: number;
}

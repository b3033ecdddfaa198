// From a label's signal ("syscalls:getppid count up", "sched:oncpu_ns down") to the feature columns that carry
// it, so a report (or a benchmark) can tell whether the drivers name the injected cause.

/** A label's signal, parsed: collector, the key value (a syscall name) if any, column, direction. */
export interface Signal {
  collector: string;
  key?: string;
  column: string;
  direction?: "up" | "down";
}

/** Parses "collector:column [up|down]" or "collector:key column [up|down]". */
export function parseSignal(text: string): Signal | undefined {
  const m = /^\s*([a-z_]+):(\S+)(?:\s+(\S+))?(?:\s+(up|down))?\s*$/.exec(text);
  if (!m) return undefined;
  const [, collector, a, b, dir] = m;
  const direction = (b === "up" || b === "down" ? b : dir) as Signal["direction"];
  const hasKey = b !== undefined && b !== "up" && b !== "down";
  return {
    collector: collector!,
    ...(hasKey ? { key: a! } : {}),
    column: hasKey ? b! : a!,
    ...(direction ? { direction } : {}),
  };
}

/** The feature names that carry a signal (features.ts' naming of each collector's declared features). */
export function signalFeatures(text: string): string[] {
  const s = parseSignal(text);
  if (!s) return [];
  const { collector: c, key, column } = s;
  // Less CPU or fewer calls, to the point of doing nothing: the idle state carries it.
  const idle =
    s.direction === "down" && ((c === "sched" && column === "oncpu_ns") || (c === "syscalls" && column === "count"));
  if (idle) return [...signalFeatures(text.replace(/\s+down\s*$/, "")), "idle"];
  if (c === "sched") return [column, `sustained_${column}`];
  if (c === "process")
    return ({ fork: ["forks"], exec: ["execs"], exit: ["exits"] } as Record<string, string[]>)[key ?? column] ?? [];
  // The locks and signals collectors name their features without the collector's name (locks.ts, signals.ts).
  if (c === "locks") {
    if (column === "waits") return ["lock_waits", "lock_*_waits"];
    return [`lock_${column}`, `lock_max_${column}`, `lock_mean_${column}`, `lock_*_${column}`];
  }
  if (c === "signals") return key === "oom_kill" ? ["oom_kills"] : [`signals_${column}`];
  if (c === "syscalls") {
    // Failing calls of one syscall are the process's failing calls (the breakdown has counts and latency only).
    if (key && column === "errors") return ["syscall_errors", "syscall_error_rate"];
    if (!key)
      return (
        { count: ["syscalls_count"], errors: ["syscall_errors", "syscall_error_rate"] }[column] ?? [`syscall_${column}`]
      );
    if (column === "count") return [`sys_${key}_count`];
    if (/latency/.test(column))
      return [`sys_${key}_mean_latency_ns`, `sys_${key}_latency_ns`, "syscall_max_latency_ns"];
    return [`sys_${key}_${column}`];
  }
  return key ? [`${c}_${key}_${column}`] : [`${c}_${column}`];
}

/** Whether any of `features` carries any of the signals ("; "-separated, as a labels frame's `signals`). */
export function namesCause(features: readonly string[], signals: string): boolean {
  // "*" in a name stands for a breakdown's value (lock_*_wait_ns: one per lock type).
  const want = signals
    .split(/;\s*/)
    .flatMap(signalFeatures)
    .map((n) => new RegExp(`^${n.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\w-]+")}$`));
  return features.some((f) => want.some((re) => re.test(f)));
}

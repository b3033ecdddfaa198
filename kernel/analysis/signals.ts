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
  if (c === "sched") return [column, `sustained_${column}`];
  if (c === "process")
    return ({ fork: ["forks"], exec: ["execs"], exit: ["exits"] } as Record<string, string[]>)[key ?? column] ?? [];
  if (c === "syscalls") {
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
  const want = new Set(signals.split(/;\s*/).flatMap(signalFeatures));
  return features.some((f) => want.has(f));
}

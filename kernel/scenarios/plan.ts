// From a scenario's name and seed to its plan: the baseline, the injection time and length, where the anomaly
// runs and its parameters. Pure: the same seed, duration and CPU count give the same plan on every run.

import { availableParallelism } from "node:os";
import { OptionError } from "../errors.js";
import { parseDuration } from "../capture/duration.js";
import { Rng } from "../detectors/rng.js";
import { planBaseline, round } from "./baseline-plan.js";
import { BASELINE_SCENARIO, SCENARIOS } from "./catalog.js";
import type { ScenarioDef } from "./scenario-def.js";
import type { ScenarioInfo, ScenarioPlan } from "./scenario-types.js";

export interface PlanOptions {
  /** Any integer 0 … 2^32-1 (default 1): decides the baseline, the injection time and every parameter. */
  seed?: number;
  /** Capture length: "40s" (default), "2m", or ms. */
  duration?: string | number;
  /** Normal load before the earliest injection time (default 15 s, or 35 % of a capture shorter than 30 s). */
  warmup?: string | number;
  /** CPUs to plan for (default: this machine's); the pinned worker and the noisy neighbour take the last. */
  cpus?: number;
}

export const DEFAULT_DURATION_S = 40;

/** Every scenario: the injected kinds and "baseline" (nothing injected). */
export function listScenarios(): ScenarioInfo[] {
  return [
    ...SCENARIOS.map((d) => ({
      name: d.name,
      summary: d.summary,
      lengthS: d.lengthS,
      hosts: d.hosts.map((h) => (h.kind === "new" ? `new ${h.name}` : `running ${h.role}`)),
      signals: anomalySignals(d),
    })),
    {
      name: BASELINE_SCENARIO,
      summary: "the normal load only, nothing injected (for measuring false alarms)",
      lengthS: [0, 0] as [number, number],
      hosts: [],
      signals: [],
    },
  ];
}

/** The primary signals of the anomaly rows, over every host and a few seeds (syscall-storm varies its call). */
function anomalySignals(d: ScenarioDef): string[] {
  const base = planBaseline(1, 2);
  const out = new Set<string>();
  for (const h of d.hosts)
    for (let seed = 1; seed <= 8; seed++)
      for (const l of d.inject(new Rng(seed), d.lengthS[0], h, base).labels)
        if (l.role === "anomaly") out.add(l.signals[0]!);
  return [...out];
}

function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((d) => d.name === name);
}

export function scenarioNames(): string[] {
  return [...SCENARIOS.map((d) => d.name), BASELINE_SCENARIO];
}

/**
 * The plan of scenario `name` for `seed`. The baseline depends on the seed only (every scenario of one seed
 * shares it); the injection (time, length, host, parameters) on the seed and the scenario. The anomaly starts
 * after the warm-up and ends at least min(5 s, 20 % of the capture) before its end.
 * @example planScenario("cpu-hog", { seed: 3 }).injectAtS   // the same number on every run
 */
export function planScenario(name: string, opts: PlanOptions = {}): ScenarioPlan {
  const def = findScenario(name);
  if (!def && name !== BASELINE_SCENARIO) {
    throw new OptionError(`unknown scenario "${name}"`, `scenarios: ${scenarioNames().join(", ")}`);
  }
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new OptionError(`bad seed ${JSON.stringify(opts.seed)}`, "a seed is an integer from 0 to 4294967295");
  }
  const durationS = parseDuration(opts.duration ?? `${DEFAULT_DURATION_S}s`, "duration", 6000, 3_600_000) / 1000;
  const warmupS =
    opts.warmup !== undefined
      ? parseDuration(opts.warmup, "warmup", 2000, 3_600_000) / 1000
      : durationS >= 30
        ? 15
        : round(Math.max(2, durationS * 0.35), 2);
  const cpus = opts.cpus ?? availableParallelism();
  const baseline = planBaseline(seed, cpus);
  const common = { scenario: name, seed, durationS, warmupS, cpus, baseline };
  if (!def) return { ...common, injectAtS: null, lengthS: null, injection: null };

  const tail = Math.min(5, durationS * 0.2);
  const room = round(durationS - warmupS - tail, 2);
  if (room < 1.5) {
    throw new OptionError(
      `a ${durationS} s capture with a ${warmupS} s warm-up leaves ${room} s for the anomaly`,
      `give a longer --duration (at least ${Math.ceil(warmupS + tail + 1.5)} s) or a shorter --warmup`,
    );
  }
  const rng = new Rng(mix(seed, name));
  const [lo, hi] = def.lengthS;
  const lengthS = round(Math.min(lo + (hi - lo) * rng.next(), room), 2);
  const injectAtS = round(warmupS + rng.next() * (room - lengthS), 2);
  const host = def.hosts[rng.int(def.hosts.length)]!;
  const injection = { ...def.inject(rng, lengthS, host, baseline), host };
  return { ...common, injectAtS, lengthS, injection };
}

/** A seed per (seed, scenario), so scenarios of one seed draw their injections independently. */
function mix(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

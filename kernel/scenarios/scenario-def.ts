// What a scenario of the catalog is (ScenarioDef) and the small helpers its definitions share.

import type { Rng } from "../detectors/rng.js";
import { round } from "./baseline-plan.js";
import type { BaselinePlan, Host, InjectionPlan } from "./scenario-types.js";

export interface ScenarioDef {
  name: string;
  summary: string;
  /** Range of the anomaly's length, seconds (shortened to fit a short capture). */
  lengthS: [number, number];
  hosts: Host[];
  /** The injection of an anomaly `lengthS` long run by `host`; its parameters are drawn from `rng`. */
  inject(rng: Rng, lengthS: number, host: Host, base: BaselinePlan): Omit<InjectionPlan, "host">;
}

export const fresh = (name: string): Host => ({ kind: "new", name });
export const running = (role: Extract<Host, { kind: "running" }>["role"]): Host => ({ kind: "running", role });
export const between = (rng: Rng, lo: number, hi: number, digits = 1) => round(lo + (hi - lo) * rng.next(), digits);
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

/** How a description names the host: `a new process "cpu-hog"` or `the running batch-job`. */
export function hostText(host: Host): string {
  return host.kind === "new" ? `a new process "${host.name}"` : `the running ${host.role}`;
}

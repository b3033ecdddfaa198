// Scenario plans (no root): a seed decides everything, the same way on every run; bad input is a clear error.

import { describe, expect, it } from "vitest";
import { listScenarios, planScenario, scenarioNames } from "../../kernel/scenarios/plan.js";
import { OptionError } from "../../kernel/errors.js";

const injected = scenarioNames().filter((n) => n !== "baseline");

describe("scenario plans", () => {
  it("has every kind the detection work needs, each with labels naming a signal", () => {
    expect(injected).toEqual(
      expect.arrayContaining([
        "cpu-hog",
        "memory-leak",
        "fork-storm",
        "syscall-storm",
        "disk-stall",
        "network-burst",
        "blocked",
        "noisy-neighbour",
        "redis-blocked",
        "redis-keys-storm",
        "redis-memory-growth",
        "redis-aof-stall",
        "lock-contention",
        "oom-kill",
      ]),
    );
    for (const s of listScenarios().filter((s) => s.name !== "baseline")) {
      expect(s.signals.length, s.name).toBeGreaterThan(0);
      for (const sig of s.signals) expect(sig, s.name).toMatch(/^[a-z]+:([A-Za-z0-9_]+ )?[a-z_]+ (up|down)$/);
    }
  });

  it("gives the same plan for the same seed, and another for another seed", () => {
    for (const name of scenarioNames()) {
      const a = planScenario(name, { seed: 42, cpus: 2 });
      expect(planScenario(name, { seed: 42, cpus: 2 })).toEqual(a);
      expect(planScenario(name, { seed: 43, cpus: 2 }).baseline).not.toEqual(a.baseline);
    }
    const times = new Set(Array.from({ length: 20 }, (_, s) => planScenario("cpu-hog", { seed: s }).injectAtS));
    expect(times.size).toBeGreaterThan(15); // the injection time really is drawn from the seed
  });

  it("injects after the warm-up and ends before the capture's tail", () => {
    for (const name of injected) {
      for (let seed = 0; seed < 30; seed++) {
        const p = planScenario(name, { seed });
        expect(p.durationS).toBe(40);
        expect(p.injectAtS!).toBeGreaterThanOrEqual(15);
        expect(p.injectAtS! + p.lengthS!).toBeLessThanOrEqual(35 + 1e-9);
        expect(p.lengthS!).toBeGreaterThanOrEqual(2);
      }
      const short = planScenario(name, { seed: 1, duration: "7s" });
      expect(short.warmupS).toBe(2.45);
      expect(short.injectAtS! + short.lengthS!).toBeLessThanOrEqual(7 - 1.4 + 1e-9);
    }
  });

  it("shares one baseline among every scenario of a seed (the no-injection capture is that baseline)", () => {
    const base = planScenario("baseline", { seed: 9, cpus: 2 });
    expect(base.injection).toBeNull();
    for (const name of injected) expect(planScenario(name, { seed: 9, cpus: 2 }).baseline).toEqual(base.baseline);
    const roles = base.baseline.processes.map((p) => p.role);
    expect(new Set(roles).size).toBeGreaterThanOrEqual(10);
  });

  it("runs anomalies in new processes and in running ones, depending on the seed", () => {
    // a process the OOM killer ends has to start in its cgroup: always a new one
    for (const name of injected.filter((n) => n !== "oom-kill")) {
      const kinds = new Set(Array.from({ length: 40 }, (_, s) => planScenario(name, { seed: s }).injection!.host.kind));
      expect([...kinds].sort(), name).toEqual(["new", "running"]);
    }
  });

  it("rejects an unknown scenario, a bad seed and a capture too short for its warm-up", () => {
    expect(() => planScenario("cpu-hogg")).toThrow(OptionError);
    expect(() => planScenario("cpu-hogg")).toThrow(/scenarios: cpu-hog, memory-leak/);
    expect(() => planScenario("cpu-hog", { seed: -1 })).toThrow(/a seed is an integer/);
    expect(() => planScenario("cpu-hog", { seed: 1.5 })).toThrow(OptionError);
    expect(() => planScenario("cpu-hog", { duration: "20s", warmup: "18s" })).toThrow(/leaves .* s for the anomaly/);
    expect(() => planScenario("cpu-hog", { duration: "1s" })).toThrow(/duration/);
  });
});

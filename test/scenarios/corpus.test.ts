// The shipped scenario corpus (datasets/scenarios, no root): every file matches its checksum, every capture loads
// with the labels its manifest lists, each anomaly's signal moved the way its label says, and the corpus has
// what the detection work needs (every kind, several seeds, warm-ups of 15 s, no-injection captures), small.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { readCorpus, verifyCorpus } from "../../kernel/scenarios/corpus.js";
import { scenarioLabels } from "../../kernel/scenarios/labels.js";
import { planScenario, scenarioNames } from "../../kernel/scenarios/plan.js";
import { scenarioOf } from "../../kernel/scenarios/run-scenario.js";
import { labelEffect } from "../../kernel/scenarios/signal-series.js";

const root = join(__dirname, "../../datasets/scenarios");
const corpus = readCorpus(root);

describe("scenario corpus", () => {
  it("matches its manifest's checksums, and stays small", () => {
    expect(verifyCorpus(root)).toEqual([]);
    const size = (c: (typeof corpus.captures)[number]) => Object.values(c.files).reduce((a, f) => a + f.bytes, 0);
    for (const c of corpus.captures) expect(size(c), c.dir).toBeLessThan(4 * 2 ** 20);
    expect(corpus.captures.reduce((a, c) => a + size(c), 0)).toBeLessThan(30 * 2 ** 20);
  });

  it("has every scenario kind with several seeds, and no-injection captures", () => {
    for (const name of scenarioNames()) {
      const seeds = corpus.captures.filter((c) => c.scenario === name).map((c) => c.seed);
      expect(seeds.length, name).toBeGreaterThanOrEqual(name === "baseline" ? 2 : 3);
    }
    const normalS = corpus.captures.filter((c) => c.scenario === "baseline").reduce((a, c) => a + c.elapsedS, 0);
    expect(normalS).toBeGreaterThanOrEqual(300);
  });

  it("loads every capture with its labels and plan; each anomaly moved its signal after a 15 s warm-up", async () => {
    for (const c of corpus.captures) {
      const cap = await loadCapture(c.path);
      const labels = scenarioLabels(cap);
      expect(labels, c.dir).toEqual(c.labels);
      const meta = scenarioOf(cap)!;
      expect(meta.name).toBe(c.scenario);
      // the seed reproduces the plan it was made from (on a machine with as many CPUs)
      expect(planScenario(c.scenario, { seed: c.seed, duration: `${c.durationS}s`, cpus: meta.plan.cpus })).toEqual(
        meta.plan,
      );
      if (c.scenario === "baseline") {
        expect(labels).toEqual([]);
        continue;
      }
      const anomaly = labels.filter((l) => l.role === "anomaly");
      expect(anomaly.length, c.dir).toBeGreaterThanOrEqual(1);
      for (const l of anomaly) {
        expect(l.start_s, c.dir).toBeGreaterThanOrEqual(15);
        expect(l.start_s - meta.plan.injectAtS!, c.dir).toBeGreaterThan(-0.2);
        expect(l.start_s - meta.plan.injectAtS!, c.dir).toBeLessThan(1.5); // a worker blocks at its next job
        expect(l.end_s, c.dir).toBeLessThan(c.elapsedS);
        const e = labelEffect(cap, l);
        expect(e.moved, `${c.dir} ${l.comm} ${l.signal} ${l.direction}: ${e.before} -> ${e.during}`).toBe(true);
      }
    }
  }, 120_000);
});

// The default pipeline on the shipped scenario corpus (datasets/scenarios: held-out data, never tuned on): per
// scenario kind, is the injected process found with the right entity at an overlapping time, is it the top
// incident, do its drivers name the cause; and how many incidents it raises on the no-injection captures.
// Bounds are the claims bench/detection.ts measures (README "Detection benchmark"), not the results themselves.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findAnomalies } from "../../kernel/analysis/anomalies.js";
import { namedFeatures } from "../../kernel/analysis/drivers.js";
import { labelsFromFrame } from "../../kernel/analysis/interval-labels.js";
import { namesCause } from "../../kernel/analysis/signals.js";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { readCorpus } from "../../kernel/scenarios/corpus.js";

const corpus = readCorpus(join(__dirname, "../../datasets/scenarios"));

interface Outcome {
  kind: string;
  seed: number;
  /** An incident of the anomaly's process overlaps its labelled time. */
  found: boolean;
  /** The top incident is that one. */
  top: boolean;
  /** Its top 3 drivers name one of the label's signals. */
  named: boolean;
}

const outcomes: Outcome[] = [];
const baseline: { incidents: number; minutes: number; scores: number[]; threshold: number }[] = [];

beforeAll(async () => {
  for (const c of corpus.captures) {
    const cap = await loadCapture(c.path);
    const r = findAnomalies(cap);
    if (c.scenario === "baseline") {
      const minutes = (cap.meta.elapsedMs / 1000 - r.scoredFromS) / 60;
      baseline.push({
        incidents: r.incidents.length,
        minutes,
        scores: r.incidents.map((i) => i.score),
        threshold: r.threshold,
      });
      continue;
    }
    const labels = labelsFromFrame(cap.frames["labels"]!, c.dir);
    // The anomaly's process (a network burst labels both ends: the sender and the receiver).
    const anomalies = labels.filter((l) => l.role === "anomaly");
    const labelOf = (pid: number) => anomalies.find((l) => l.pids?.includes(pid));
    const hits = r.incidents.filter((i) =>
      i.entities.some((e) => {
        const l = labelOf(Number(e.pid));
        return l !== undefined && i.start_s < l.end_s && i.end_s > l.start_s;
      }),
    );
    const own = hits.find((i) => labelOf(Number(i.entity.pid))) ?? hits[0];
    const ownLabel = own ? (labelOf(Number(own.entity.pid)) ?? anomalies[0]!) : undefined;
    outcomes.push({
      kind: c.scenario,
      seed: c.seed,
      found: hits.length > 0,
      top: own !== undefined && own === r.incidents[0] && labelOf(Number(own.entity.pid)) !== undefined,
      named:
        own !== undefined &&
        namesCause(own.drivers.slice(0, 3).flatMap(namedFeatures), ownLabel!.signals ?? ownLabel!.signal ?? ""),
    });
  }
}, 600_000);

const kinds = [...new Set(corpus.captures.map((c) => c.scenario))].filter((k) => k !== "baseline").sort();
const of = (k: string) => outcomes.filter((o) => o.kind === k);
const everySeed = (pick: (o: Outcome) => boolean) => kinds.filter((k) => of(k).every(pick));

describe("default pipeline on the scenario corpus", () => {
  it.each(kinds)("%s: the injected process is found at its time in at least one seed", (kind) => {
    expect(of(kind).length).toBeGreaterThanOrEqual(3);
    expect(
      of(kind).some((o) => o.found),
      JSON.stringify(of(kind)),
    ).toBe(true);
    // a top incident is always a found one
    for (const o of of(kind)) if (o.top) expect(o.found).toBe(true);
  });

  it("finds the injected process in every seed for every kind, as the top incident for 12 of 14", () => {
    expect(kinds.length).toBe(14);
    // measured 14 (13 before a silent run was scored as a run: one blocked seed's stuck queue worker scored 6–8 a
    // window, under a flagged row's 9 one by one)
    expect(everySeed((o) => o.found).length, JSON.stringify(outcomes)).toBe(14);
    // measured 12 (the target, 9 of 10 kinds = 90 %: not met, 86 %): noisy-neighbour's incident is the
    // injected one, but its peak is the hogs' host (the labelled cause), not the starved worker, in every seed; and
    // redis-server, whose memory grows, ties with the client sending it the values in one seed. 10 before this
    // version (blocked and lock-contention missed a seed each), 12 on the corpus before its redis client was fixed.
    expect(everySeed((o) => o.top).length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(12);
  });

  it("names the injected cause among the top-3 drivers of most found incidents", () => {
    const found = outcomes.filter((o) => o.found);
    // measured 56 of 56 (a driver's companions count: "idle, with system calls 0/s")
    expect(found.filter((o) => o.named).length / found.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe("false alarms on the no-injection captures", () => {
  it("has two-minute baselines, every incident above the threshold, at most 1 per 10 minutes", () => {
    expect(baseline.length).toBeGreaterThanOrEqual(5);
    const minutes = baseline.reduce((a, b) => a + b.minutes, 0);
    expect(minutes).toBeGreaterThanOrEqual(9.5);
    for (const b of baseline) for (const s of b.scores) expect(s).toBeGreaterThanOrEqual(b.threshold);
    const incidents = baseline.reduce((a, b) => a + b.incidents, 0);
    // The target is at most 1 per 10 minutes; measured 0 on these five. 3.0 before an idle window's falls
    // were bounded by the process's wakeup rate (all three a queue worker idle for 2 s between jobs that arrive at
    // random: a Poisson gap, no anomaly); 4.0 before the baselines' redis client sent each command in one write;
    // 1.7 on the three baselines before those; 15 before bpflab's own process was left out, 10 before idle windows,
    // late intervals, shared shifts, falling waits and exit windows were handled, 3.3 before a syscall's mean
    // latency needed 5 calls (each chosen on other seeds).
    expect((incidents / minutes) * 10).toBeLessThanOrEqual(1);
  });
});

// Time-series metrics (VUS-PR, PA%K, event-wise) against an independent numpy reference
// (scripts/ts-metrics-reference.py → test/fixtures/ts-metrics.json), and the properties they exist for.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alarmsFromRows, eventMetrics, LabelledEvent } from "../../kernel/compare/event-metrics.js";
import { pointAdjustedF1 } from "../../kernel/compare/metrics.js";
import { bufferedLabels, paKAuc, paKF1, rangePrAuc, vusPr } from "../../kernel/compare/range-metrics.js";

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  series: number[];
  max_buffer: number;
  vus_pr: number;
  range_pr_auc: Record<string, number>;
  pak_f1: number[];
  pak_auc: number;
  events?: {
    t: number[];
    window: number;
    flagged: number[];
    tolerance: number;
    span: [number, number];
    labelled: LabelledEvent[];
    alarms: { start_s: number; end_s: number; detected_s: number; entities: number[] }[];
    detected: number;
    mean_ttd_s: number | null;
    false_alarms: number;
    normal_hours: number;
  };
}
const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "ts-metrics.json"), "utf8")) as {
  cases: Case[];
};

describe.each(fixture.cases.map((c) => [c.name, c] as const))("reference case %s", (_name, c) => {
  it("range PR-AUC per buffer and VUS-PR agree to 1e-9", () => {
    for (const [b, v] of Object.entries(c.range_pr_auc)) {
      expect(Math.abs(rangePrAuc(c.labels, c.scores, Number(b), c.series) - v), `buffer ${b}`).toBeLessThan(1e-9);
    }
    expect(Math.abs(vusPr(c.labels, c.scores, { maxBuffer: c.max_buffer, series: c.series }) - c.vus_pr)).toBeLessThan(
      1e-9,
    );
  });

  it("PA%K best F1 for K = 0..100 and its area agree to 1e-9; K = 0 is the legacy point adjust", () => {
    for (let i = 0; i <= 10; i++) {
      expect(Math.abs(paKF1(c.labels, c.scores, 10 * i, c.series).f1 - c.pak_f1[i]!), `K=${10 * i}`).toBeLessThan(1e-9);
    }
    expect(Math.abs(paKAuc(c.labels, c.scores, c.series).auc - c.pak_auc)).toBeLessThan(1e-9);
    if (new Set(c.series).size === 1) expect(pointAdjustedF1(c.labels, c.scores).f1).toBeCloseTo(c.pak_f1[0]!, 12);
  });
});

const withEvents = fixture.cases.filter((c) => c.events).map((c) => [c.name, c] as const);
describe.each(withEvents)("reference events %s", (_name, c) => {
  it("alarms and event metrics agree", () => {
    const e = c.events!;
    const alarms = alarmsFromRows(e.t, e.window, e.flagged, { series: c.series });
    expect(alarms.map((a) => ({ ...a, score: undefined }))).toEqual(e.alarms.map((a) => ({ ...a, score: undefined })));
    const m = eventMetrics(e.labelled, alarms, { toleranceS: e.tolerance, span: e.span });
    expect(m.detected).toBe(e.detected);
    expect(m.falseAlarms).toBe(e.false_alarms);
    if (e.mean_ttd_s === null) expect(m.meanTimeToDetectS).toBeNaN();
    else expect(m.meanTimeToDetectS).toBeCloseTo(e.mean_ttd_s, 9);
    expect(Math.abs(m.normalHours - e.normal_hours) * 3600).toBeLessThan(0.01);
  });
});

describe("properties", () => {
  it("a random score gets a high legacy point-adjusted F1 but not a high PA%K area", () => {
    const c = fixture.cases.find((x) => x.name === "random")!;
    expect(pointAdjustedF1(c.labels, c.scores).f1).toBeGreaterThan(0.7);
    expect(paKAuc(c.labels, c.scores).auc).toBeLessThan(0.5);
  });

  it("buffered labels ramp around a range and stay inside its series", () => {
    const y = bufferedLabels([0, 0, 0, 1, 1, 0, 0, 0], 4);
    expect(Array.from(y, (v) => +v.toFixed(4))).toEqual([
      0,
      +Math.sqrt(0.5).toFixed(4),
      +Math.sqrt(0.75).toFixed(4),
      1,
      1,
      +Math.sqrt(0.75).toFixed(4),
      0,
      0,
    ]);
    const split = bufferedLabels([0, 0, 1, 0, 0, 0], 4, [0, 0, 0, 1, 1, 1]);
    expect(Array.from(split.subarray(3))).toEqual([0, 0, 0]);
  });

  it("a detection a little early or late still earns VUS-PR, unlike point-wise scoring", () => {
    const y = Array.from({ length: 100 }, (_, i) => (i >= 50 && i < 55 ? 1 : 0));
    const late = y.map((_, i) => (i >= 55 && i < 58 ? 1 : 0.01 * (i % 7)));
    expect(rangePrAuc(y, late, 0)).toBeLessThan(0.1);
    expect(vusPr(y, late, { maxBuffer: 10 })).toBeGreaterThan(0.2);
  });

  it("event metrics: tolerance, entities and normal time", () => {
    const events: LabelledEvent[] = [{ start_s: 10, end_s: 20, entities: [42] }];
    const alarms = [
      { start_s: 21, end_s: 22, detected_s: 22, entities: [42] }, // within 2 s after the end
      { start_s: 12, end_s: 14, detected_s: 13, entities: [7] }, // other process: a false alarm
    ];
    const m = eventMetrics(events, alarms, { toleranceS: 2, span: [0, 3600] });
    expect([m.detected, m.falseAlarms, m.perEvent[0]!.timeToDetectS]).toEqual([1, 1, 12]);
    expect(m.normalHours).toBeCloseTo((3600 - 14) / 3600, 12);
    expect(m.falseAlarmsPerHour).toBeCloseTo(1 / m.normalHours, 12);
    expect(eventMetrics(events, alarms, { toleranceS: 0, span: [0, 3600] }).detected).toBe(0);
  });
});

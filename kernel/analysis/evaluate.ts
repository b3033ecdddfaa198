// A detection report graded against interval labels: which labelled anomalies an incident caught (and at what
// rank, how fast), how many incidents were false alarms, per hour of normal time.

import { Alarm, eventMetrics } from "../compare/event-metrics.js";
import type { AnomalyReport } from "./anomalies.js";
import { entityKeys, IntervalLabel, matchLabels } from "./interval-labels.js";

export interface Evaluation {
  labels: number;
  detected: number;
  recall: number;
  falseAlarms: number;
  normalHours: number;
  falseAlarmsPerHour: number;
  meanTimeToDetectS: number;
  /** Per label: whether an incident caught it, the rank of the best such incident, the delay to its first window. */
  perLabel: { kind: string; detected: boolean; rank: number | null; timeToDetectS: number | null }[];
  /** An alarm within this many seconds of a label's time counts (one window). */
  toleranceS: number;
}

/**
 * Grades `report.incidents` against `labels` (matched to rows by time and entity; a label matching no row is an
 * error) and marks each incident with the kind of the label it matches (or null). Normal time runs from the end of
 * the reference period to the capture's end.
 */
export function evaluateIncidents(
  report: AnomalyReport,
  labels: readonly IntervalLabel[],
  elapsedS: number,
): Evaluation {
  const f = report.features;
  const { events } = matchLabels(f, labels);
  const keys = entityKeys(f);
  const tol = f.windowS;
  const alarms: Alarm[] = report.incidents.map((i) => ({
    start_s: i.start_s,
    end_s: i.end_s,
    detected_s: Math.min(...i.rows.map((r) => f.keys.numeric("t_s")[r]!)) + f.windowS,
    entities: [...new Set(i.rows.map((r) => keys[r]!))],
    score: i.score,
  }));
  const m = eventMetrics(events, alarms, { toleranceS: tol, span: [report.scoredFromS, elapsedS] });
  const matches = (a: Alarm, e: (typeof events)[number]): boolean =>
    a.start_s < e.end_s + tol && a.end_s > e.start_s - tol && a.entities!.some((x) => e.entities!.includes(x));
  // An incident's label: the one its peak entity matches, else one a related entity of it matches.
  report.incidents.forEach((inc, i) => {
    const peak = { ...alarms[i]!, entities: [keys[inc.peakRow]!] };
    const e = events.find((ev) => matches(peak, ev)) ?? events.find((ev) => matches(alarms[i]!, ev));
    inc.label = e ? e.kind! : null;
  });
  return {
    labels: m.events,
    detected: m.detected,
    recall: m.recall,
    falseAlarms: m.falseAlarms,
    normalHours: m.normalHours,
    falseAlarmsPerHour: m.falseAlarmsPerHour,
    meanTimeToDetectS: m.meanTimeToDetectS,
    perLabel: events.map((e, k) => {
      const hit = report.incidents.findIndex((_, i) => matches(alarms[i]!, e));
      return {
        kind: e.kind!,
        detected: m.perEvent[k]!.detected,
        rank: hit >= 0 ? report.incidents[hit]!.rank : null,
        timeToDetectS: m.perEvent[k]!.detected ? m.perEvent[k]!.timeToDetectS : null,
      };
    }),
    toleranceS: tol,
  };
}

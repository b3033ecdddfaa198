// A detection report graded against interval labels: which labelled anomalies an incident caught (and at what
// rank, how fast), how many incidents were false alarms, per hour of normal time.

import { Alarm, eventMetrics } from "../compare/event-metrics.js";
import type { AnomalyReport } from "./anomalies.js";
import { entityKeys, IntervalLabel, matchLabels } from "./interval-labels.js";
import { namedFeatures } from "./drivers.js";
import { namesCause } from "./signals.js";

export interface Evaluation {
  labels: number;
  detected: number;
  recall: number;
  falseAlarms: number;
  normalHours: number;
  falseAlarmsPerHour: number;
  meanTimeToDetectS: number;
  /**
   * Per label: whether an incident caught it, the rank of the best such incident, the delay to its first window,
   * and whether that incident's top 3 drivers name one of the label's signals (null: the label names none).
   */
  perLabel: {
    kind: string;
    role: string | null;
    detected: boolean;
    rank: number | null;
    timeToDetectS: number | null;
    driversNameCause: boolean | null;
  }[];
  /** The top incident's label ("anomaly", "cause", "affected", or "labelled" without roles), or null. */
  topIncident: { role: string | null; kind: string } | null;
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
      // The best incident of the label's own process; else one that merely includes it.
      const own = report.incidents.findIndex((inc, i) => matches({ ...alarms[i]!, entities: [keys[inc.peakRow]!] }, e));
      const hit = own >= 0 ? own : report.incidents.findIndex((_, i) => matches(alarms[i]!, e));
      const inc = hit >= 0 ? report.incidents[hit]! : undefined;
      const signals = e.label.signals ?? e.label.signal;
      return {
        kind: e.kind!,
        role: e.label.role ?? null,
        detected: m.perEvent[k]!.detected,
        rank: inc ? inc.rank : null,
        timeToDetectS: m.perEvent[k]!.detected ? m.perEvent[k]!.timeToDetectS : null,
        driversNameCause: inc && signals ? namesCause(inc.drivers.slice(0, 3).flatMap(namedFeatures), signals) : null,
      };
    }),
    topIncident: topOf(report, events, alarms, keys, matches),
    toleranceS: tol,
  };
}

/** Which label the top incident's own process matches (its peak entity), or null: a false alarm. */
function topOf(
  report: AnomalyReport,
  events: ReturnType<typeof matchLabels>["events"],
  alarms: Alarm[],
  keys: string[],
  matches: (a: Alarm, e: ReturnType<typeof matchLabels>["events"][number]) => boolean,
): Evaluation["topIncident"] {
  const top = report.incidents[0];
  if (!top) return null;
  const peak = { ...alarms[0]!, entities: [keys[top.peakRow]!] };
  const e = events.find((ev) => matches(peak, ev));
  return e ? { role: e.label.role ?? "labelled", kind: e.kind! } : null;
}

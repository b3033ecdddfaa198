// Event-wise metrics of alarms against labelled incidents, in the terms an on-call engineer uses: how many incidents
// were caught (within a tolerance), how many false alarms per hour of normal operation, how long detection took.

/** A labelled incident: [start_s, end_s) in seconds, optionally of one entity (a pid, a comm, a cgroup id, ...). */
export interface LabelledEvent {
  start_s: number;
  end_s: number;
  /** Entities the incident concerns (compared with `===` to an alarm's entities); none = any entity. */
  entities?: readonly (string | number)[];
  kind?: string;
}

/** An alarm: a stretch of flagged time, of one or more entities, raised at `detected_s` (when its first window closed). */
export interface Alarm {
  start_s: number;
  end_s: number;
  detected_s: number;
  entities?: readonly (string | number)[];
  score?: number;
}

export interface EventMetrics {
  events: number;
  /** Events with at least one matching alarm. */
  detected: number;
  /** detected / events (NaN without events). */
  recall: number;
  /** Per event: whether it was detected, and the delay from its start to the first matching alarm's detected_s (≥ 0). */
  perEvent: { detected: boolean; timeToDetectS: number }[];
  /** Mean delay over detected events, s (NaN when none was). */
  meanTimeToDetectS: number;
  /** Alarms that match no event. */
  falseAlarms: number;
  /** Hours of the observed span outside every event (widened by the tolerance). */
  normalHours: number;
  /** falseAlarms / normalHours (NaN when there is no normal time). */
  falseAlarmsPerHour: number;
}

/**
 * Matches alarms to events: an alarm matches an event when their times overlap once the event is widened by
 * `toleranceS` on both sides, and (when both name entities) they share one. `span` is the observed time [from, to)
 * that normal time is measured in.
 *
 * @example eventMetrics(labels, alarms, { toleranceS: 2, span: [0, 120] }).falseAlarmsPerHour
 */
export function eventMetrics(
  events: readonly LabelledEvent[],
  alarms: readonly Alarm[],
  opts: { toleranceS?: number; span: [number, number] },
): EventMetrics {
  const tol = opts.toleranceS ?? 0;
  const matches = (a: Alarm, e: LabelledEvent): boolean =>
    a.start_s < e.end_s + tol &&
    a.end_s > e.start_s - tol &&
    (!e.entities?.length || !a.entities?.length || a.entities.some((x) => e.entities!.includes(x)));
  const perEvent = events.map((e) => {
    let first = Infinity;
    for (const a of alarms) if (matches(a, e)) first = Math.min(first, a.detected_s);
    return { detected: first < Infinity, timeToDetectS: first < Infinity ? Math.max(0, first - e.start_s) : NaN };
  });
  const detected = perEvent.filter((p) => p.detected);
  const falseAlarms = alarms.filter((a) => !events.some((e) => matches(a, e))).length;
  const normalS = Math.max(0, opts.span[1] - opts.span[0] - covered(events, tol, opts.span));
  return {
    events: events.length,
    detected: detected.length,
    recall: events.length ? detected.length / events.length : NaN,
    perEvent,
    meanTimeToDetectS: detected.length ? detected.reduce((s, p) => s + p.timeToDetectS, 0) / detected.length : NaN,
    falseAlarms,
    normalHours: normalS / 3600,
    falseAlarmsPerHour: normalS > 0 ? falseAlarms / (normalS / 3600) : NaN,
  };
}

/** Length of the union of the widened events inside span. */
function covered(events: readonly LabelledEvent[], tol: number, [from, to]: [number, number]): number {
  const iv = events
    .map((e) => [Math.max(from, e.start_s - tol), Math.min(to, e.end_s + tol)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curA = -Infinity;
  let curB = -Infinity;
  for (const [a, b] of iv) {
    if (a > curB) {
      if (curB > curA) total += curB - curA;
      curA = a;
      curB = b;
    } else curB = Math.max(curB, b);
  }
  if (curB > curA) total += curB - curA;
  return total;
}

/**
 * Alarms from flagged rows: consecutive flagged windows of one series (gap ≤ `gapS`, default one window) merge into
 * one alarm from the first window's start to the last one's end, raised when the first window closed.
 * `t[i]` is row i's window start, `windowS` the window length; rows need not be sorted.
 */
export function alarmsFromRows(
  t: ArrayLike<number>,
  windowS: number,
  flagged: ArrayLike<number>,
  opts: { series?: ArrayLike<string | number>; scores?: ArrayLike<number>; gapS?: number } = {},
): Alarm[] {
  const gap = opts.gapS ?? windowS;
  const idx = [...Array(t.length).keys()].filter((i) => flagged[i]);
  const key = (i: number): string | number => (opts.series ? opts.series[i]! : 0);
  idx.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : t[a]! - t[b]!));
  const out: Alarm[] = [];
  let cur: Alarm | undefined;
  let curKey: string | number | undefined;
  for (const i of idx) {
    const k = key(i);
    const s = opts.scores ? opts.scores[i]! : NaN;
    if (cur && k === curKey && t[i]! - cur.end_s <= gap + 1e-9) {
      cur.end_s = Math.max(cur.end_s, t[i]! + windowS);
      if (!(s <= cur.score!)) cur.score = s;
      continue;
    }
    cur = {
      start_s: t[i]!,
      end_s: t[i]! + windowS,
      detected_s: t[i]! + windowS,
      ...(opts.series ? { entities: [k] } : {}),
      score: s,
    };
    curKey = k;
    out.push(cur);
  }
  return out;
}

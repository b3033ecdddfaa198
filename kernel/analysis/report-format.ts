// A detection report as text (incidents, then rows) and as the JSON object scripts read (`bpflab detect --json`).

import type { AnomalyReport } from "./anomalies.js";
import type { Driver } from "./drivers.js";

/** Drivers as the JSON contract has them: { feature, value, baseline, share } (plus the sentence). */
function jsonDrivers(d: readonly Driver[]): Record<string, unknown>[] {
  return d.map((x) => ({
    feature: x.feature,
    value: x.value,
    baseline: x.baseline,
    share: x.share,
    text: x.text,
    ...(x.with ? { with: x.with.map((c) => ({ feature: c.feature, value: c.value, baseline: c.baseline })) } : {}),
  }));
}

/**
 * The `--json` object: { mode, reference, threshold, incidents: [{ rank, start_s, end_s, score, entity, entities,
 * drivers, label? }], rows: [...], evaluation? }; incidents ranked, times in seconds since capture start.
 */
export function reportJson(r: AnomalyReport): Record<string, unknown> {
  return {
    mode: r.mode,
    reference: r.reference,
    ranked_by: r.rankedBy,
    threshold: r.threshold,
    incidents: r.incidents.map((i) => ({
      rank: i.rank,
      start_s: i.start_s,
      end_s: i.end_s,
      score: i.score,
      entity: i.entity,
      entities: i.entities,
      drivers: jsonDrivers(i.drivers),
      ...(i.waitedOn
        ? { waited_on: i.waitedOn.map((x) => ({ pid: x.pid, on: x.on, kind: x.kind, wait_s: x.waitS })) }
        : {}),
      ...(i.blockedBy
        ? { blocked_by: i.blockedBy.map((x) => ({ pid: x.pid, comm: x.name, kind: x.kind, wait_s: x.waitS })) }
        : {}),
      ...(i.label !== undefined ? { label: i.label } : {}),
    })),
    rows: r.top.map((a) => ({
      rank: a.rank,
      t_s: a.t_s,
      entity: a.entity,
      scores: a.scores,
      consensus: a.consensus,
      drivers: jsonDrivers(a.drivers),
    })),
    ...(r.evaluation ? { evaluation: r.evaluation } : {}),
  };
}

/** JSON.stringify that writes bigints (u64 cgroup ids) as decimal strings and non-finite numbers as null. */
export function stringifyReport(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === "bigint" ? v.toString() : typeof v === "number" && !Number.isFinite(v) ? null : v,
    2,
  );
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows]
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join("  "))
    .join("\n");
}

const who = (e: Record<string, unknown>): string =>
  Object.values(e)
    .map((v) => String(v))
    .join(" ");

/**
 * Whom the incident's processes waited on: its peak on processes outside it ("blocked 9.1 s until batch-job 11239
 * woke it", "queued 3.2 s for CPUs batch-job 11519 held"), and its other processes on its peak ("redis-client
 * 31341 waited 3.5 s on it", "api-client 11520 queued 2.1 s for CPUs it held") or on one another.
 */
function waitedText(i: AnomalyReport["incidents"][number]): string[] {
  const name = new Map(i.entities.map((e) => [Number(e["pid"]), e["comm"] ?? e["process"]]));
  const peak = Number(i.entity["pid"]);
  const s = (x: number) => `${x.toFixed(1)} s`;
  return [
    ...(i.blockedBy ?? []).map((x) =>
      x.kind === "cpu"
        ? `queued ${s(x.waitS)} for CPUs ${x.name || "pid"} ${x.pid} held`
        : `blocked ${s(x.waitS)} until ${x.name || "pid"} ${x.pid} woke it`,
    ),
    // the longest three waits on the peak (or between the others); --json has them all
    ...(i.waitedOn ?? []).slice(0, 3).map((x) => {
      const on = x.on === peak ? "it" : `${name.get(x.on) ?? "pid"} ${x.on}`;
      const who = `${name.get(x.pid) ?? "pid"} ${x.pid}`;
      return x.kind === "cpu"
        ? `${who} queued ${s(x.waitS)} for CPUs ${on} held`
        : `${who} waited ${s(x.waitS)} on ${on}`;
    }),
  ];
}

/** Incidents (when, who, score, cause), then the top rows, libbpf-tools style: a header line, then rows. */
export function formatReport(r: AnomalyReport, opts: { incidents?: number } = {}): string {
  const f = r.features;
  const head =
    `${f.matrix.rows} (window, entity) rows × ${f.matrix.cols} features` +
    `${r.dropped.length ? ` (${r.dropped.length} constant ones dropped)` : ""}; mode ${r.mode}: ${r.reference}`;
  const shown = r.incidents.slice(0, opts.incidents ?? 10);
  const incidents = shown.length
    ? `incidents (score ≥ ${+r.threshold.toPrecision(4)}), most anomalous first:\n` +
      table(
        ["#", "when (s)", "score", "who", "cause"],
        shown.map((i) => [
          String(i.rank),
          `${i.start_s.toFixed(1)}–${i.end_s.toFixed(1)}`,
          i.score >= 1e4 ? i.score.toExponential(2) : i.score.toFixed(1),
          who(i.entity) +
            (i.entities.length > 1 ? ` (+${i.entities.length - 1} related)` : "") +
            (i.label !== undefined ? (i.label ? ` [label: ${i.label}]` : " [no label]") : ""),
          i.drivers
            .slice(0, 3)
            .map((d) => d.text)
            .concat(waitedText(i))
            .join("; "),
        ]),
      ) +
      (r.incidents.length > shown.length ? `\n(${r.incidents.length - shown.length} more incidents)` : "")
    : `no incident: no row scores ≥ ${+r.threshold.toPrecision(4)}`;
  const names = Object.keys(r.scores);
  const rows = table(
    ["#", "t (s)", "who", ...names, "driving features (share of the score)"],
    r.top.map((a) => [
      String(a.rank),
      a.t_s.toFixed(1),
      who(a.entity),
      ...names.map((n) => a.scores[n]!.toFixed(3)),
      a.drivers
        .slice(0, 3)
        .map((d) => `${d.feature} (${(100 * d.share).toFixed(0)}%)`)
        .join(", "),
    ]),
  );
  const ev = r.evaluation;
  const evaluation = ev
    ? `\n\nagainst the labels: ${ev.detected} of ${ev.labels} found (${ev.perLabel
        .map((l) => `${l.kind}: ${l.detected ? `#${l.rank ?? "?"}, after ${l.timeToDetectS?.toFixed(1)} s` : "missed"}`)
        .join("; ")}); ${ev.falseAlarms} false alarms in ${(ev.normalHours * 60).toFixed(1)} min of normal time`
    : "";
  return `${head}\n${incidents}\n\ntop rows:\n${rows}${evaluation}`;
}

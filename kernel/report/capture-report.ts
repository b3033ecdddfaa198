// captureReport(): one self-contained HTML page about a capture to hand to a colleague: summary, timelines, top
// processes, latency distributions, the anomalies the detectors rank first with what drives them, and flame
// graphs when the capture has stacks.

import type { Capture } from "../capture/capture.js";
import type { Collector } from "../collectors/schema.js";
import { findAnomalies } from "../analysis/anomalies.js";
import { BpflabError } from "../errors.js";
import { captureHeadline, captureWarnings } from "../plots/capture-html.js";
import { featureContributions, scoreTimeline } from "../plots/detection.js";
import { tableHtml, TableSource } from "../plots/table-html.js";
import type { Figure } from "../plots/figure.js";
import { declaredFigures, FigureSection } from "./declared-figures.js";
import { countsLine, summaryOf, SummarySection } from "./summary.js";
import { flameGraph, hasStacks } from "./flame-graph.js";
import { ReportItem, reportPage, ReportSection } from "./report-page.js";

export interface ReportOptions {
  /** Detectors for the anomalies section (default findAnomalies' own); [] leaves the section out. */
  detectors?: string[];
  /** Anomalies listed (default 10). */
  top?: number;
  window?: string;
  title?: string;
  /** Collectors outside the registry (a notebook cell's) whose frames declare their tables and figures. */
  collectors?: readonly Collector[];
}

function sectionTable(s: SummarySection): string {
  const src: TableSource = {
    title: s.title,
    nRows: s.rows.length,
    columns: s.header.map((h, i) => ({ name: h, dtype: "", numeric: typeof s.rows[0]?.[i] === "number" })),
    cell: (c, r) => s.rows[r]?.[c],
  };
  return tableHtml(src, { head: s.rows.length, tail: 0 });
}

/** A figure, or nothing when this capture lacks what it needs (a chart that cannot be drawn is left out). */
function tryFigure(make: () => Figure): ReportItem[] {
  try {
    const f = make();
    return f.data.length ? [{ kind: "figure", figure: f }] : [];
  } catch (e) {
    if (e instanceof BpflabError || e instanceof Error) return [];
    throw e;
  }
}

function who(e: Record<string, unknown>): string {
  return Object.values(e).join(" ");
}

function anomaliesSection(cap: Capture, o: ReportOptions): ReportSection {
  const items: ReportItem[] = [];
  try {
    const r = findAnomalies(cap, {
      ...(o.detectors ? { detectors: o.detectors } : {}),
      ...(o.window ? { window: o.window } : {}),
      top: o.top ?? 10,
    });
    items.push({
      kind: "text",
      text:
        `${r.features.matrix.rows} (window, process) rows × ${r.features.matrix.cols} features, ${r.mode} mode ` +
        `(${r.reference}), ranked by ${r.rankedBy}. An incident joins consecutive anomalous windows of a process ` +
        `and its related processes; its drivers are the features that make up its score, beside their normal value.`,
    });
    const incidents = r.incidents.slice(0, o.top ?? 10);
    if (incidents.length === 0) items.push({ kind: "text", text: "No incident crossed the threshold." });
    else
      items.push({
        kind: "html",
        html: sectionTable({
          key: "incidents",
          title: "Incidents",
          header: ["#", "from (s)", "to (s)", "who", "score", "drivers"],
          rows: incidents.map((i) => [
            i.rank,
            +i.start_s.toFixed(1),
            +i.end_s.toFixed(1),
            i.entities.map(who).join(", "),
            +i.score.toPrecision(4),
            i.drivers
              .slice(0, 3)
              .map((d) => d.text)
              .join("; "),
          ]),
        }),
      });
    // The ranking score over time: the processes of the first incidents, the highest of all others, the
    // incidents shaded.
    const pids = [
      ...new Set(incidents.slice(0, 3).flatMap((i) => (typeof i.entity["pid"] === "number" ? [i.entity["pid"]] : []))),
    ];
    items.push(
      ...tryFigure(() =>
        scoreTimeline(r, {
          ...(pids.length ? { pids } : {}),
          labels: incidents.slice(0, 8).map((i) => ({
            pid: Number(i.entity["pid"] ?? 0),
            start_s: i.start_s,
            end_s: i.end_s,
            kind: `#${i.rank}`,
          })),
          threshold: null,
          title: `${r.rankedBy} score over time (shaded: incidents)`,
        }),
      ),
    );
    const first = incidents[0];
    if (first && first.drivers.length) {
      items.push(
        ...tryFigure(() =>
          featureContributions({
            features: first.drivers.map((d) => d.feature),
            values: first.drivers.map((d) => d.share),
            title: `What drives incident #1: ${who(first.entity)}, ${first.start_s.toFixed(0)}–${first.end_s.toFixed(0)} s`,
            xTitle: "share of the incident's score",
          }),
        ),
      );
    }
  } catch (e) {
    if (!(e instanceof BpflabError)) throw e;
    items.push({ kind: "text", text: `No anomaly ranking: ${e.message.split("\n")[0]}` });
  }
  return { id: "anomalies", title: "Incidents and their drivers", items };
}

/** The report's sections (for callers that lay out their own page). */
export function reportSections(cap: Capture, o: ReportOptions = {}): ReportSection[] {
  const s = summaryOf(cap, o);
  const summary: ReportItem[] = [{ kind: "text", text: captureHeadline(cap) }];
  for (const w of captureWarnings(cap)) summary.push({ kind: "warning", text: w });
  summary.push({
    kind: "html",
    html: sectionTable({
      key: "collectors",
      title: "Collectors",
      header: ["collector", "rows", "lost events"],
      rows: s.collectors.map((c) => [c.collector, c.rows, c.lost_events]),
    }),
  });
  for (const c of s.counts) summary.push({ kind: "text", text: countsLine(c) });
  const sections: ReportSection[] = [{ id: "summary", title: "Summary", items: summary }];

  // every figure the frames declare (FrameDecl.display.report), each in its section
  const figures = declaredFigures(cap, o.collectors);
  const items = (section: FigureSection): ReportItem[] =>
    figures.filter((f) => f.section === section).map((f) => ({ kind: "figure", figure: f.figure }));
  const timelines = items("timelines");
  if (timelines.length) sections.push({ id: "timelines", title: "Timelines", items: timelines });
  const top: ReportItem[] = [
    ...s.sections.map((t) => ({ kind: "html", html: sectionTable(t) }) as ReportItem),
    ...items("top"),
  ];
  if (top.length) sections.push({ id: "top", title: "Top processes", items: top });
  const latency = items("latency");
  if (latency.length) sections.push({ id: "latency", title: "Latency", items: latency });

  if (o.detectors === undefined || o.detectors.length > 0) sections.push(anomaliesSection(cap, o));

  const flames: ReportItem[] = [];
  for (const f of Object.values(cap.frames)) if (hasStacks(f)) flames.push(...tryFigure(() => flameGraph(f)));
  if (flames.length) sections.push({ id: "flame", title: "Flame graphs", items: flames });
  return sections;
}

/**
 * The report of a capture as one HTML page: self-contained (plotly.js inlined once, ~4.8 MB), no network
 * request possible (a Content-Security-Policy forbids them), readable in any browser.
 *
 * @example writeFileSync("report.html", captureReport(await loadCapture("/tmp/cap")));
 */
export function captureReport(cap: Capture, o: ReportOptions = {}): string {
  const m = cap.meta;
  const title = o.title ?? `bpflab report: ${m.host}, ${new Date(m.wallStartUs / 1000).toISOString().slice(0, 19)}Z`;
  return reportPage(title, `${captureHeadline(cap)} · bpflab ${m.bpflabVersion}`, reportSections(cap, o));
}

// The HTML page of a report: sections of text, tables and figures, a table of contents, plotly.js inlined
// once at the end, and a Content-Security-Policy that forbids every network request.

import type { Figure } from "../plots/figure.js";
import { escapeHtml, figureHtml, plotlyLibraryHtml } from "../plots/plotly-html.js";
import { DEFAULT_HEIGHT, DEFAULT_WIDTH } from "../plots/theme.js";

/** A piece of a section: a paragraph, ready HTML (a table), a figure, or a warning. */
export type ReportItem =
  | { kind: "text"; text: string }
  | { kind: "html"; html: string }
  | { kind: "figure"; figure: Figure }
  | { kind: "warning"; text: string };

export interface ReportSection {
  id: string;
  title: string;
  items: ReportItem[];
}

const CSS = `
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0 auto;
  max-width: 1100px; padding: 16px 24px 48px; color: #222; background: #fff; line-height: 1.4; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #161616; } }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid rgba(128,128,128,.35); }
nav a { margin-right: 14px; font-size: 13px; } p { margin: 6px 0; font-size: 14px; }
.warning { color: #c0392b; font-weight: 600; } .meta { opacity: .75; font-size: 13px; }
.bpflab-plotly { margin: 10px 0 18px; }`;

let figureId = 0;

function itemHtml(it: ReportItem): string {
  switch (it.kind) {
    case "text":
      return `<p>${escapeHtml(it.text)}</p>`;
    case "warning":
      return `<p class="warning">${escapeHtml(it.text)}</p>`;
    case "html":
      return it.html;
    case "figure": {
      const f = it.figure;
      const n = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : d);
      return figureHtml(f.toJSON(), {
        id: `bpflab-report-fig-${++figureId}`,
        title: f.title,
        width: n(f.layout["width"], DEFAULT_WIDTH),
        height: n(f.layout["height"], DEFAULT_HEIGHT),
      });
    }
  }
}

/** The whole page: self-contained (plotly.js inlined once), and unable to fetch anything (CSP). */
export function reportPage(title: string, subtitle: string, sections: readonly ReportSection[]): string {
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join("");
  const body = sections
    .map(
      (s) =>
        `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>\n${s.items.map(itemHtml).join("\n")}</section>`,
    )
    .join("\n");
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n` +
    // Nothing may load from anywhere: scripts and styles are inline, images (Plotly's) are data: URLs.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; ` +
    `style-src 'unsafe-inline'; img-src data: blob:; font-src data:">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head>\n<body>\n` +
    `<h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(subtitle)}</p><nav>${nav}</nav>\n${body}\n` +
    `${plotlyLibraryHtml()}\n</body></html>\n`
  );
}

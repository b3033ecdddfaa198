// Panel: several displays in one output (text, progress bar, tables, figures), e.g. the live view of a capture.
// HTML + text only: with the Plotly JSON in the bundle, JupyterLab would render just the chart and drop the rest.

import { mimeBundleOf } from "./display.js";
import { MimeBundle } from "./figure.js";
import { escapeHtml } from "./plotly-html.js";

/**
 * A piece of a panel: a line of text, ready HTML with its text form, or anything `show()` accepts (a figure, a
 * Frame, a Danfo DataFrame, an arquero table, an object with toMimeBundle()).
 */
export type PanelItem = string | { html: string; text: string } | object;

function itemBundle(item: PanelItem): { html: string; text: string } {
  if (typeof item === "string") {
    return {
      html: `<div style="white-space:pre-wrap;font-family:monospace;font-size:12px">${escapeHtml(item)}</div>`,
      text: item,
    };
  }
  const ready = item as { html?: unknown; text?: unknown };
  if (typeof ready.html === "string" && typeof ready.text === "string") return { html: ready.html, text: ready.text };
  const b: MimeBundle = mimeBundleOf(item);
  const text = String(b["text/plain"] ?? "");
  const html = typeof b["text/html"] === "string" ? b["text/html"] : `<pre>${escapeHtml(text)}</pre>`;
  return { html, text };
}

/**
 * Items stacked vertically in one output. Figures keep their HTML fallback, so `show()`/`LiveDisplay` still send
 * plotly.js once per session when a panel holds a chart.
 *
 * @example
 *   view.update(panel(progressBar(0.4, "4.0 of 10 s"), "events/s 12,345  lost 0", topTable, cpuChart));
 */
export class Panel {
  readonly items: PanelItem[];

  constructor(items: PanelItem[]) {
    this.items = items;
  }

  toMimeBundle(): MimeBundle {
    const parts = this.items.map(itemBundle);
    return {
      "text/html":
        `<div class="bpflab-panel" style="display:flex;flex-direction:column;gap:8px">` +
        parts.map((p) => `<div>${p.html}</div>`).join("\n") +
        `</div>`,
      "text/plain": parts.map((p) => p.text).join("\n"),
    };
  }
}

/** A panel of items (see Panel). */
export function panel(...items: PanelItem[]): Panel {
  return new Panel(items);
}

/**
 * A progress bar for panels: HTML bar (theme colours) and a text bar "[#####.....]  50% label".
 *
 * @param fraction done, 0..1 (clamped)
 */
export function progressBar(fraction: number, label = ""): { html: string; text: string } {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const pct = Math.round(f * 100);
  const cells = Math.round(f * 20);
  return {
    html:
      `<div class="bpflab-progress" style="display:flex;align-items:center;gap:8px;font-size:12px">` +
      `<div style="width:240px;height:8px;border-radius:4px;background:rgba(128,128,128,0.25);overflow:hidden">` +
      `<div style="width:${pct}%;height:100%;background:#4e79a7"></div></div>` +
      `<span>${pct}%${label ? ` · ${escapeHtml(label)}` : ""}</span></div>`,
    text: `[${"#".repeat(cells)}${".".repeat(20 - cells)}] ${String(pct).padStart(3)}%${label ? ` ${label}` : ""}`,
  };
}

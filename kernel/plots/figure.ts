// Figure: a plain Plotly spec ({ data, layout, config }) that turns itself into a Jupyter MIME bundle.
// Pairs with plotly-html.ts (the HTML fallback) and display.ts (sends bundles to the notebook).

import { randomBytes } from "node:crypto";
import { figureHtml, plotlyLibraryHtml } from "./plotly-html.js";
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, Layout } from "./theme.js";

/** One Plotly trace as JSON (https://plotly.com/javascript/reference/). Arrays are plain arrays, not typed ones. */
export type Trace = Record<string, unknown>;

/** MIME type that JupyterLab's and VS Code's Plotly renderers claim. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** A Jupyter MIME bundle: MIME type → data (strings, or JSON for +json types). */
export type MimeBundle = Record<string, unknown>;

export interface PlotlySpec {
  data: Trace[];
  layout: Layout;
  config?: Record<string, unknown>;
}

/** Options of `Figure.toMimeBundle`. */
export interface MimeBundleOptions {
  /**
   * Put plotly.js itself into the text/html part (4.8 MB). `show()` decides this once per kernel session;
   * set it when the bundle goes somewhere that has never seen plotly.js, such as a standalone HTML file.
   */
  includePlotlyJs?: boolean;
}

/** Plotly's config for notebook figures: no logo, no link to the cloud editor, PNG export at 2x. */
export const DEFAULT_CONFIG: Record<string, unknown> = {
  displaylogo: false,
  responsive: false,
  toImageButtonOptions: { format: "png", scale: 2 },
};

/**
 * A Plotly figure as plain JSON. Builders in this folder return one; `show(fig)` displays it, and
 * `fig.data`/`fig.layout` can be edited or passed to any Plotly front end.
 *
 * @example
 *   const fig = new Figure({ data: [{ type: "scatter", x: [0, 1], y: [2, 3] }], layout: { title: { text: "t" } } });
 *   fig.toMimeBundle()["application/vnd.plotly.v1+json"]; // { data, layout, config }
 */
export class Figure implements PlotlySpec {
  readonly data: Trace[];
  readonly layout: Layout;
  readonly config: Record<string, unknown>;

  constructor(spec: PlotlySpec) {
    this.data = spec.data;
    this.layout = spec.layout;
    this.config = { ...DEFAULT_CONFIG, ...spec.config };
  }

  /** The figure's title text ("" when it has none). */
  get title(): string {
    const t = this.layout["title"];
    if (typeof t === "string") return t;
    if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string")
      return (t as { text: string }).text;
    return "";
  }

  /** A copy with `patch` merged into the layout (one level deep for axes, legend, title, ...). */
  withLayout(patch: Layout): Figure {
    const layout: Layout = { ...this.layout };
    for (const [k, v] of Object.entries(patch)) {
      const cur = layout[k];
      layout[k] = isPlainObject(cur) && isPlainObject(v) ? { ...cur, ...v } : v;
    }
    return new Figure({ data: this.data, layout, config: this.config });
  }

  toJSON(): Required<PlotlySpec> {
    return { data: this.data, layout: this.layout, config: this.config };
  }

  /**
   * The bundle Jupyter front ends choose from: Plotly JSON (JupyterLab, VS Code), HTML that draws with plotly.js
   * (classic Notebook, nbconvert HTML; see plotly-html.ts), and a one-line text summary.
   */
  toMimeBundle(options: MimeBundleOptions = {}): MimeBundle {
    const html = figureHtml(this.toJSON(), {
      id: `bpflab-fig-${randomBytes(6).toString("hex")}`,
      title: this.title,
      width: numberOr(this.layout["width"], DEFAULT_WIDTH),
      height: numberOr(this.layout["height"], DEFAULT_HEIGHT),
    });
    return {
      [PLOTLY_MIME]: this.toJSON(),
      "text/html": options.includePlotlyJs ? `${plotlyLibraryHtml()}\n${html}` : html,
      "text/plain": this.toString(),
    };
  }

  /** A self-contained HTML page (plotly.js inlined), e.g. to attach a figure to a bug report. */
  toStandaloneHtml(): string {
    const body = this.toMimeBundle({ includePlotlyJs: true })["text/html"] as string;
    return (
      `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${this.title.replace(/</g, "&lt;")}</title></head>` +
      `<body>\n${body}\n</body></html>\n`
    );
  }

  toString(): string {
    const kinds = this.data.map((t) => String(t["type"] ?? "scatter"));
    const counts = new Map<string, number>();
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    const parts = [...counts].map(([k, n]) => `${n} ${k}`);
    return (
      `Figure "${this.title}": ${this.data.length} trace${this.data.length === 1 ? "" : "s"}` +
      (parts.length ? ` (${parts.join(", ")})` : "")
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numberOr(v: unknown, d: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : d;
}

/**
 * A plain number array for JSON (typed arrays serialise as objects). Non-finite values become null, which
 * Plotly draws as a gap, instead of NaN, which JSON cannot hold.
 */
export function toJsonArray(a: ArrayLike<number>, scale = 1): (number | null)[] {
  const out = new Array<number | null>(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! * scale;
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

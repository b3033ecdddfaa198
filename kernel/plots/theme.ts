// Plotly layout defaults that read in light and dark notebook themes; every figure builder starts from them.
// Pairs with plotly-html.ts, whose script swaps the neutral greys for the page's theme colours when it can.

/** A Plotly layout object (plain JSON; see https://plotly.com/javascript/reference/layout/). */
export type Layout = Record<string, unknown>;

/**
 * Neutral grey text: ~4:1 contrast on white and ~5:1 on #111, so a figure rendered by a front end's own
 * Plotly renderer (which never runs our theme script) still reads in either theme.
 */
export const NEUTRAL_FONT = "#8a8a8a";
/** Grid and zero lines: translucent so they sit on any background. */
export const GRID_COLOR = "rgba(138,138,138,0.25)";
export const LINE_COLOR = "rgba(138,138,138,0.6)";

/**
 * Categorical colours (Tableau 10, slightly lifted): each keeps contrast on both white and near-black, which
 * Plotly's default "plotly" template does not (its dark blue #636efa fades on black).
 */
export const COLORWAY = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** Shading of labelled windows (ground-truth anomalies) and the threshold line. */
export const WINDOW_FILL = "rgba(225,87,89,0.16)";
export const THRESHOLD_COLOR = "#e15759";

/** Continuous scale for scores: dark-to-bright reads on both themes (viridis). */
export const SCORE_COLORSCALE = "Viridis";

/** Default figure size in CSS px: fits a JupyterLab cell at 100% zoom without a horizontal scrollbar. */
export const DEFAULT_WIDTH = 860;
export const DEFAULT_HEIGHT = 420;

function axis(title: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: title === undefined ? undefined : { text: title },
    gridcolor: GRID_COLOR,
    zerolinecolor: LINE_COLOR,
    linecolor: LINE_COLOR,
    automargin: true,
    ...extra,
  };
}

export interface BaseLayoutOptions {
  title: string;
  /** Axis titles should carry units, e.g. "time since start (s)". */
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
  xaxis?: Record<string, unknown>;
  yaxis?: Record<string, unknown>;
  showLegend?: boolean;
}

/**
 * The shared layout: transparent paper and plot so the notebook's background shows through, neutral fonts,
 * translucent grids, the colourway above and a horizontal legend below the title.
 */
export function baseLayout(o: BaseLayoutOptions): Layout {
  return {
    title: { text: o.title, x: 0.01, xanchor: "left", font: { size: 16 } },
    width: o.width ?? DEFAULT_WIDTH,
    height: o.height ?? DEFAULT_HEIGHT,
    autosize: false,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: {
      color: NEUTRAL_FONT,
      family: "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      size: 12,
    },
    colorway: COLORWAY,
    margin: { l: 64, r: 24, t: 56, b: 56 },
    hovermode: "closest",
    showlegend: o.showLegend ?? true,
    legend: { bgcolor: "rgba(0,0,0,0)", orientation: "v" },
    xaxis: axis(o.xTitle, o.xaxis),
    yaxis: axis(o.yTitle, o.yaxis),
  };
}

/** Axis settings of a secondary axis, or of a heatmap's category axis, in the same style. */
export function styledAxis(title: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return axis(title, extra);
}

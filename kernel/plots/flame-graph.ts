// Flame graphs and icicles of folded stacks (any frame with a `stack` column: profile, offcpu, a cell
// collector's) as Plotly icicle figures: click a frame to zoom into it, hover for its share of the whole and
// of its caller, search by regular expression (in the figure's HTML, or `search` when building it), and the
// differential form that colours each frame by how its share changed between two captures or time ranges.

import { randomBytes } from "node:crypto";
import type { Frame } from "../frame/frame.js";
import { diffColor, frameColor } from "../flame/flame-colors.js";
import { FlameTree, flameTree, TreeOptions } from "../flame/flame-tree.js";
import { Folded, foldStacks, FoldOptions, parseFolded, weightColumn } from "../flame/folded.js";
import { Figure, MimeBundle, MimeBundleOptions, PLOTLY_MIME } from "./figure.js";
import { flameSearchHtml } from "./flame-search.js";
import { escapeHtml, figureHtml, plotlyLibraryHtml } from "./plotly-html.js";
import { baseLayout } from "./theme.js";

/** What a flame graph draws: a frame with stacks (filtered by FoldOptions), folded stacks, or folded text. */
export type FlameInput = Frame | Folded | string;

export interface FlameGraphOptions extends FoldOptions, TreeOptions {
  title?: string;
  /** "flame": root at the bottom (default); "icicle": root at the top. */
  orientation?: "flame" | "icicle";
  /** Frames matching it are highlighted, and the share of the stacks through them is in the title. */
  search?: string | RegExp;
  /** What a unit of weight is, for the hover text: "samples", "ns" (off-CPU time)… (default from the column). */
  unit?: string;
  /** Levels drawn at once (default 40); zooming into a frame shows the levels below it. */
  maxDepth?: number;
  width?: number;
}

/** A flame graph: a Figure whose HTML has a search box, plus what it was drawn from. */
export class FlameFigure extends Figure {
  readonly tree: FlameTree;
  /** With `search`: the share of the total weight in stacks through a matching frame. */
  readonly matched: number | undefined;

  constructor(spec: ConstructorParameters<typeof Figure>[0], tree: FlameTree, matched: number | undefined) {
    super(spec);
    this.tree = tree;
    this.matched = matched;
  }

  override toMimeBundle(options: MimeBundleOptions = {}): MimeBundle {
    const id = `bpflab-flame-${randomBytes(6).toString("hex")}`;
    const fig = figureHtml(this.toJSON(), {
      id,
      title: this.title,
      width: Number(this.layout["width"]),
      height: Number(this.layout["height"]),
    });
    const html = `${flameSearchHtml(id)}\n${fig}`;
    return {
      [PLOTLY_MIME]: this.toJSON(),
      "text/html": options.includePlotlyJs ? `${plotlyLibraryHtml()}\n${html}` : html,
      "text/plain": this.toString(),
    };
  }

  /** A self-contained page (plotly.js inlined) that can fetch nothing (Content-Security-Policy). */
  override toStandaloneHtml(): string {
    const body = this.toMimeBundle({ includePlotlyJs: true })["text/html"] as string;
    return (
      `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n` +
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; ` +
      `style-src 'unsafe-inline'; img-src data: blob:; font-src data:">\n` +
      `<title>${escapeHtml(this.title)}</title></head>\n<body style="font-family:sans-serif">\n${body}\n</body></html>\n`
    );
  }

  override toString(): string {
    return `Flame graph "${this.title}": ${this.tree.nodes.length} frames, total ${this.tree.total}`;
  }
}

/** Folded stacks from any input. */
export function foldedOf(input: FlameInput, o: FoldOptions = {}): Folded {
  if (typeof input === "string") return parseFolded(input);
  if (input instanceof Map) return input;
  return foldStacks(input, o);
}

/**
 * A flame graph (or, with orientation "icicle", an icicle) of the stacks.
 * @example show(flameGraph(cap.frame("profile"), { pid: cap.meta.pid, search: "spin_" }))
 */
export function flameGraph(input: FlameInput, o: FlameGraphOptions = {}): FlameFigure {
  const stacks = foldedOf(input, o);
  const tree = flameTree(stacks, o);
  const unit = o.unit ?? unitOf(input, o);
  const re = o.search === undefined ? undefined : typeof o.search === "string" ? new RegExp(o.search) : o.search;
  const matched = re ? matchedShare(tree, re) : undefined;
  const colors = tree.nodes.map((n) => (re?.test(n.name) ? "rgb(230,0,230)" : frameColor(n.name, n.depth)));
  const title =
    (o.title ?? (input instanceof Map || typeof input === "string" ? "Flame graph" : `Flame graph: ${input.name}`)) +
    (re ? ` (matched ${String(re)}: ${(100 * matched!).toFixed(1)} %)` : "");
  return figureOf(tree, colors, title, unit, o, matched, (n) => [fmt(n.total, unit), fmt(n.self, unit)]);
}

/**
 * A differential flame graph: the `after` stacks, each frame red where its share of the total grew since
 * `before`, blue where it shrank (shares, so captures of different lengths compare). Frames that vanished
 * are not drawn: `flameDiff()` lists them with the largest changes.
 * @example show(diffFlameGraph(foldStacks(f, { to: 30 }), foldStacks(f, { from: 30 })))
 */
export function diffFlameGraph(before: FlameInput, after: FlameInput, o: FlameGraphOptions = {}): FlameFigure {
  const base = foldedOf(before, o);
  const stacks = foldedOf(after, o);
  const tree = flameTree(stacks, { ...o, base });
  const unit = o.unit ?? unitOf(after, o);
  const share = (n: { total: number; baseTotal: number }) =>
    (tree.total ? n.total / tree.total : 0) - (tree.baseTotal ? n.baseTotal / tree.baseTotal : 0);
  let maxAbs = 0;
  for (const n of tree.nodes) maxAbs = Math.max(maxAbs, Math.abs(share(n)));
  const colors = tree.nodes.map((n) => diffColor(maxAbs ? share(n) / maxAbs : 0));
  const title = o.title ?? "Differential flame graph (red: a larger share than before, blue: smaller)";
  return figureOf(tree, colors, title, unit, o, undefined, (n) => [
    fmt(n.total, unit),
    fmt(n.self, unit),
    `${pct(tree.baseTotal ? n.baseTotal / tree.baseTotal : 0)} → ${pct(tree.total ? n.total / tree.total : 0)}`,
  ]);
}

function figureOf(
  tree: FlameTree,
  colors: string[],
  title: string,
  unit: string,
  o: FlameGraphOptions,
  matched: number | undefined,
  custom: (n: FlameTree["nodes"][number]) => string[],
): FlameFigure {
  const maxDepth = o.maxDepth ?? 40;
  let depth = 0;
  for (const n of tree.nodes) depth = Math.max(depth, n.depth + 1);
  const levels = Math.min(depth, maxDepth);
  const diff = tree.baseTotal > 0;
  const trace = {
    type: "icicle",
    ids: tree.nodes.map((n) => n.id),
    labels: tree.nodes.map((n) => n.name),
    parents: tree.nodes.map((n) => n.parent),
    values: tree.nodes.map((n) => n.total),
    customdata: tree.nodes.map(custom),
    branchvalues: "total",
    sort: false,
    maxdepth: maxDepth,
    marker: { colors, line: { width: 0.5, color: "rgba(0,0,0,0.18)" } },
    textfont: { color: "#222", size: 11 },
    insidetextfont: { color: "#222", size: 11 },
    tiling: o.orientation === "icicle" ? { orientation: "v" } : { orientation: "v", flip: "y" },
    pathbar: { visible: true, side: o.orientation === "icicle" ? "top" : "bottom" },
    hovertemplate:
      "<b>%{label}</b><br>%{customdata[0]}: %{percentRoot:.2%} of all, %{percentParent:.1%} of its caller" +
      `<br>self: %{customdata[1]}${diff ? "<br>share before → after: %{customdata[2]}" : ""}<extra></extra>`,
  };
  const layout = {
    ...baseLayout({ title, width: o.width ?? 980, height: Math.max(240, 90 + 20 * levels), showLegend: false }),
    margin: { l: 8, r: 8, t: 48, b: 8 },
  };
  return new FlameFigure({ data: [trace], layout, config: { scrollZoom: false } }, tree, matched);
}

/** The share of the total in subtrees rooted at a matching frame (each stack counted once). */
function matchedShare(tree: FlameTree, re: RegExp): number {
  const inMatch = new Map<string, boolean>();
  let sum = 0;
  for (const n of tree.nodes) {
    const m = re.test(n.name);
    const above = inMatch.get(n.parent) ?? false;
    inMatch.set(n.id, m || above);
    if (m && !above) sum += n.total;
  }
  return tree.total ? sum / tree.total : 0;
}

function unitOf(input: FlameInput, o: FoldOptions): string {
  if (input instanceof Map || typeof input === "string") return "samples";
  const w = o.weight ?? weightColumn(input) ?? "";
  return w.endsWith("_ns") ? "ns" : w || "samples";
}

function fmt(v: number, unit: string): string {
  if (unit === "ns") {
    if (v >= 1e9) return `${(v / 1e9).toFixed(2)} s`;
    if (v >= 1e6) return `${(v / 1e6).toFixed(1)} ms`;
    return `${(v / 1e3).toFixed(1)} µs`;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

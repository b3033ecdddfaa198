// A flame graph (as a Plotly icicle, root at the bottom) of folded stacks: a frame with a `stack` column
// ("main;parse;read", root first, as flamegraph.pl folds them) and a weight column (samples or count).

import type { Frame } from "../frame/frame.js";
import { Figure } from "../plots/figure.js";
import { baseLayout } from "../plots/theme.js";

/** The weight column of a stacks frame: samples, count or calls, whichever it has. */
export function stackWeight(f: Frame): string | undefined {
  return ["samples", "count", "calls"].find((c) => f.has(c));
}

/** True when a frame holds folded stacks this module can draw. */
export function hasStacks(f: Frame): boolean {
  return f.has("stack") && stackWeight(f) !== undefined && f.length > 0;
}

/**
 * An icicle of the folded stacks, widest (most samples) first; at most `maxNodes` nodes (the lightest are
 * dropped) so a large profile stays drawable.
 */
export function flameGraph(f: Frame, o: { title?: string; maxNodes?: number } = {}): Figure {
  const stacks = f.strings("stack");
  const w = f.numeric(stackWeight(f)!);
  const node = new Map<string, { label: string; parent: string; value: number }>();
  for (let i = 0; i < stacks.length; i++) {
    const frames = stacks[i]!.split(";").filter(Boolean);
    let path = "";
    for (const name of frames) {
      const id = path ? `${path};${name}` : name;
      const n = node.get(id) ?? { label: name, parent: path, value: 0 };
      n.value += w[i]!;
      node.set(id, n);
      path = id;
    }
  }
  const kept = [...node.entries()].sort((a, b) => b[1].value - a[1].value).slice(0, o.maxNodes ?? 2000);
  const ids = new Set(kept.map(([id]) => id));
  const rows = kept.filter(([, n]) => n.parent === "" || ids.has(n.parent));
  return new Figure({
    data: [
      {
        type: "icicle",
        ids: rows.map(([id]) => id),
        labels: rows.map(([, n]) => n.label),
        parents: rows.map(([, n]) => n.parent),
        values: rows.map(([, n]) => n.value),
        branchvalues: "total",
        tiling: { orientation: "v", flip: "y" },
        hovertemplate: "%{label}<br>%{value} (%{percentRoot:.1%} of all)<extra></extra>",
      },
    ],
    layout: {
      ...baseLayout({ title: o.title ?? `Flame graph (${f.name})`, height: 520, showLegend: false }),
      margin: { l: 8, r: 8, t: 48, b: 8 },
    },
  });
}

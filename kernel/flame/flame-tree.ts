// The tree a flame graph draws: one node per distinct path from the root, with its total (itself and all it
// called) and self weight; optionally a second set of weights (a baseline) for differential flame graphs.

import type { Folded } from "./folded.js";

export interface FlameNode {
  /** The path from the root: "main;parse" (unique). */
  id: string;
  name: string;
  /** The parent's id, "" for a root frame. */
  parent: string;
  depth: number;
  total: number;
  self: number;
  /** Differential trees: the same path's weight in the baseline. */
  baseTotal: number;
}

export interface FlameTree {
  nodes: FlameNode[];
  total: number;
  baseTotal: number;
  /** Nodes left out (too narrow to see); their weight stays in their parents' totals. */
  dropped: number;
}

export interface TreeOptions {
  /** Leave out nodes narrower than this share of the total (default 0.0005: a twentieth of a percent). */
  minShare?: number;
  /** At most this many nodes, the widest kept (default 5000). */
  maxNodes?: number;
}

/** The tree of `stacks` (and of `base`, a baseline, for a differential graph), parents before children. */
export function flameTree(stacks: Folded, o: TreeOptions & { base?: Folded } = {}): FlameTree {
  const nodes = new Map<string, FlameNode>();
  const add = (f: Folded, baseline: boolean) => {
    for (const [stack, v] of f) {
      const frames = stack.split(";");
      let path = "";
      for (let d = 0; d < frames.length; d++) {
        const name = frames[d] || "[empty]";
        const id = path ? `${path};${name}` : name;
        let n = nodes.get(id);
        if (!n) nodes.set(id, (n = { id, name, parent: path, depth: d, total: 0, self: 0, baseTotal: 0 }));
        if (baseline) n.baseTotal += v;
        else {
          n.total += v;
          if (d === frames.length - 1) n.self += v;
        }
        path = id;
      }
    }
  };
  add(stacks, false);
  if (o.base) add(o.base, true);
  let total = 0,
    baseTotal = 0;
  for (const n of nodes.values()) {
    if (n.depth === 0) {
      total += n.total;
      baseTotal += n.baseTotal;
    }
  }
  const min = total * (o.minShare ?? 0.0005);
  const wide = [...nodes.values()].filter((n) => n.total > 0 && n.total >= min);
  wide.sort((a, b) => b.total - a.total || a.depth - b.depth);
  const kept = wide.slice(0, o.maxNodes ?? 5000);
  const ids = new Set(kept.map((n) => n.id));
  // a node whose parent was cut goes too (widths are monotone along a path, so this is rare: ties at the cut)
  const out = kept.filter((n) => n.parent === "" || ids.has(n.parent)).sort((a, b) => a.depth - b.depth);
  return { nodes: out, total, baseTotal, dropped: nodes.size - out.length };
}

/** The frames whose share of the total changed most from `base` to `stacks` (differential flame graphs). */
export function flameDiff(
  stacks: Folded,
  base: Folded,
  top = 20,
): { frame: string; before: number; after: number; beforeShare: number; afterShare: number; delta: number }[] {
  // a frame's inclusive weight: the stacks it appears in (once per stack, however often it recurses)
  const incl = (f: Folded) => {
    const m = new Map<string, number>();
    let t = 0;
    for (const [s, v] of f) {
      t += v;
      for (const name of new Set(s.split(";"))) m.set(name, (m.get(name) ?? 0) + v);
    }
    return { m, t };
  };
  const a = incl(stacks),
    b = incl(base);
  const names = new Set([...a.m.keys(), ...b.m.keys()]);
  return [...names]
    .map((frame) => {
      const after = a.m.get(frame) ?? 0,
        before = b.m.get(frame) ?? 0;
      const afterShare = a.t ? after / a.t : 0,
        beforeShare = b.t ? before / b.t : 0;
      return { frame, before, after, beforeShare, afterShare, delta: afterShare - beforeShare };
    })
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.frame < y.frame ? -1 : 1))
    .slice(0, top);
}

// The report's flame graphs: those of kernel/plots/flame-graph.ts (one implementation), for the frames of a
// capture that hold folded stacks ("main;parse;read", root first) and a weight (samples, offcpu_ns, count).

import type { Frame } from "../frame/frame.js";
import { hasStacks as framesHasStacks, weightColumn } from "../flame/folded.js";
import { flameGraph as plotFlameGraph, FlameFigure } from "../plots/flame-graph.js";

/** The weight column of a stacks frame: samples, offcpu_ns, count or calls, whichever it has. */
export function stackWeight(f: Frame): string | undefined {
  return weightColumn(f);
}

/** True when a frame holds folded stacks this module can draw. */
export function hasStacks(f: Frame): boolean {
  return framesHasStacks(f) && f.length > 0;
}

/** A flame graph of the frame's stacks; at most `maxNodes` nodes (the narrowest are dropped). */
export function flameGraph(f: Frame, o: { title?: string; maxNodes?: number } = {}): FlameFigure {
  return plotFlameGraph(f, { ...(o.title ? { title: o.title } : {}), maxNodes: o.maxNodes ?? 2000 });
}

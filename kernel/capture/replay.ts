// replay(): a saved capture played back as a live one: the same intervals, each with its new rows, handed to
// the same onInterval callbacks (and so to live() and the online detectors) as capture() would, without root.

import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";
import { concatFrames } from "../frame/concat.js";
import { Capture } from "./capture.js";
import { observerPid } from "./capture-meta.js";
import { loadCapture } from "./load-capture.js";
import type { CaptureProgress } from "./plan.js";
import { onlineRun, OnlineOptions } from "../online/online-run.js";

export interface ReplayOptions extends OnlineOptions {
  /** Playback speed: 1 = the capture's own pace (default), 10 = ten times faster, Infinity = no waiting. */
  speed?: number;
  /** Called after each interval with that interval's rows, as capture() calls it. */
  onInterval?: (p: CaptureProgress) => void;
  /** Stops the playback early; the intervals played so far are returned (meta.interrupted). */
  signal?: AbortSignal;
}

/**
 * Plays a saved capture (a folder, or a Capture already loaded) back interval by interval: each interval's rows
 * are the rows whose `t_s` falls in it (aggregated rows carry their interval's start, events their own time),
 * in the capture's order. Resolves with a Capture whose frames are those intervals joined: the capture's frames,
 * row for row. Lost-event counts are the capture's totals, reported with the last interval (a saved capture
 * does not record when they happened).
 * @example await replay("datasets/redis-injected", { speed: 10, onInterval: (p) => console.log(p.newRows) })
 */
export async function replay(source: string | Capture, opts: ReplayOptions = {}): Promise<Capture> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0))
    throw new OptionError(`speed must be above 0, got ${speed}`, "1 = real time, 10 = ten times faster");
  const cap = typeof source === "string" ? await loadCapture(source) : source;
  const I = cap.meta.intervalMs;
  const names = Object.keys(cap.frames);
  // the interval of every row, per frame
  let intervals = Math.max(1, Math.ceil(cap.meta.elapsedMs / I));
  const buckets = new Map<string, Int32Array>();
  for (const name of names) {
    const f = cap.frames[name]!;
    const t = f.has("t_s") ? f.numeric("t_s") : new Float64Array(f.length);
    const k = Int32Array.from(t, (s) => Math.max(0, Math.floor((s * 1000) / I + 1e-9)));
    for (const v of k) if (v + 1 > intervals) intervals = v + 1;
    buckets.set(name, k);
  }
  const index = new Map<string, number[][]>();
  for (const name of names) {
    const k = buckets.get(name)!;
    const lists: number[][] = Array.from({ length: intervals }, () => []);
    for (let i = 0; i < k.length; i++) lists[k[i]!]!.push(i);
    index.set(name, lists);
  }
  const chunks = new Map<string, Frame[]>(names.map((n) => [n, []]));
  const rows: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let interrupted = false;
  let played = 0;
  const online = onlineRun(opts, opts.onInterval, undefined, observerPid(cap.meta));
  const start = Date.now();
  for (let k = 0; k < intervals; k++) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    // the pace: interval k ends (k + 1) × I / speed after the start
    const due = start + ((k + 1) * I) / speed - Date.now();
    if (Number.isFinite(due) && due > 0) await sleep(due, opts.signal);
    else await new Promise<void>((r) => setImmediate(r));
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const chunk: Record<string, Frame> = {};
    for (const name of names) {
      const f = cap.frames[name]!.take(index.get(name)![k]!);
      chunk[name] = f;
      chunks.get(name)!.push(f);
      rows[name]! += f.length;
    }
    played = k + 1;
    const last = k === intervals - 1;
    const endMs = Math.min((k + 1) * I, Math.max(cap.meta.elapsedMs, I));
    online.tick({
      elapsedMs: endMs,
      spanMs: Math.max(1, endMs - k * I),
      durationMs: cap.meta.durationMs,
      rows: { ...rows },
      newRows: Object.fromEntries(names.map((n) => [n, chunk[n]!.length])),
      chunk,
      lost: last ? { ...cap.meta.lost } : Object.fromEntries(Object.keys(cap.meta.lost).map((c) => [c, 0])),
      frames: () => joined(),
    });
  }
  function joined(): Record<string, Frame> {
    return Object.fromEntries(names.map((n) => [n, concatFrames(n, chunks.get(n)!, cap.frames[n]!.schema)] as const));
  }
  const meta = interrupted
    ? { ...cap.meta, interrupted: true, elapsedMs: Math.min(cap.meta.elapsedMs, played * I) }
    : cap.meta;
  return online.finish(new Capture(meta, joined()));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

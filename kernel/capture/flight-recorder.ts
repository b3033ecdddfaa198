// FlightRecorder: the sink of a capture with `ring` (CLI --ring D). It keeps only the rows of the last D, in memory
// and bounded whatever the duration, and hands the window before a trigger (or before the end) to the capture's
// own sink when the capture finishes; dumps of the window can also be taken while it runs. Over a disk sink it also
// writes every row as it comes and prunes what ages out, so a SIGKILLed recorder leaves its last window on disk
// (`bpflab recover` finishes it). Pairs with engine.ts
// (which fires the triggers) and capture-sink.ts (the interface, and the sink it wraps).

import { concatFrames } from "../frame/concat.js";
import type { Frame } from "../frame/frame.js";
import { isStringColumn } from "../frame/frame.js";
import type { CaptureMeta, RingMeta } from "./capture-meta.js";
import type { CaptureSink, SinkFrame } from "./capture-sink.js";

/** One appended chunk of a frame and the span of capture time (s) its rows cover. */
interface Chunk {
  rows: Frame;
  lo: number;
  hi: number;
  bytes: number;
}

/** A trigger: why, and when (seconds since the capture's start, on the events' clock). */
export interface RingTrigger {
  reason: string;
  atS: number;
}

/**
 * Keeps every frame's rows whose time lies in the last `windowMs` (event rows by their own `t_s`, interval rows by
 * the interval they cover), evicting whole chunks as they age out, so it holds at most the window plus one
 * interval. Frames without `t_s` (drops, cgroups: written once at the end) are kept whole.
 *
 * @example const rec = new FlightRecorder(30_000, 1000, new MemorySink()); // capture({ ring: "30s" }) makes one
 */
export class FlightRecorder implements CaptureSink {
  readonly windowMs: number;
  readonly intervalMs: number;
  private readonly inner: CaptureSink;
  private frames: SinkFrame[] = [];
  private chunks = new Map<string, Chunk[]>();
  private untimed = new Map<string, Frame[]>();
  /**
   * The latest time seen (s): an event's time or an interval's start, never past "now", so the window before any
   * later end or trigger is still whole.
   */
  private latest = 0;
  /** Dumps not yet taken need their windows: nothing after the earliest one's start is evicted. */
  private holds: number[] = [];
  private heldRowCount = 0;
  private heldByteCount = 0;
  private stopTrigger: RingTrigger | undefined;
  private stored: RingMeta | undefined;
  /** The inner sink takes every row as it comes and drops the old ones (it can: keepWindow); else it begins at the end. */
  private mirrored = false;
  /** Where the inner sink was last pruned to (s). */
  private prunedTo = -Infinity;

  constructor(windowMs: number, intervalMs: number, inner: CaptureSink) {
    this.windowMs = windowMs;
    this.intervalMs = intervalMs;
    this.inner = inner;
  }

  /** Rows held now, over every frame. */
  get heldRows(): number {
    return this.heldRowCount;
  }

  /** Bytes of column data held now (typed arrays and string codes; dictionaries not counted). */
  get heldBytes(): number {
    return this.heldByteCount;
  }

  /** The sink the window goes to at the end. */
  get target(): CaptureSink {
    return this.inner;
  }

  begin(meta: CaptureMeta, frames: readonly SinkFrame[]): void {
    // A disk sink that can drop old rows gets every row now, so that a SIGKILL leaves the window on disk; any
    // other begins at finish(), with the window alone. Either way nothing older is stored by a finished capture.
    if (this.inner.keepWindow && this.inner.prune && this.inner.discard) {
      this.inner.keepWindow();
      this.inner.begin(meta, frames);
      this.mirrored = true;
    }
    this.frames = frames.map((f) => ({ ...f }));
    for (const f of frames) {
      if (f.schema.some((c) => c.name === "t_s")) this.chunks.set(f.name, []);
      else this.untimed.set(f.name, []);
    }
  }

  append(frame: string, rows: Frame): void {
    if (this.mirrored) this.inner.append(frame, rows); // throws a failed write's error, which ends the capture
    if (rows.length === 0) return;
    const list = this.chunks.get(frame);
    if (!list) {
      const whole = this.untimed.get(frame);
      if (!whole) throw new Error(`FlightRecorder: frame ${frame} was not declared in begin()`);
      whole.push(rows);
      return;
    }
    const t = rows.numeric("t_s");
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < t.length; i++) {
      if (t[i]! < lo) lo = t[i]!;
      if (t[i]! > hi) hi = t[i]!;
    }
    if (hi > this.latest) this.latest = hi;
    // an interval row stands for the whole interval it starts
    if (!this.isEvents(frame)) hi += this.intervalMs / 1000;
    const bytes = frameBytes(rows);
    list.push({ rows, lo, hi, bytes });
    this.heldRowCount += rows.length;
    this.heldByteCount += bytes;
    this.evict();
  }

  /** A disk sink that takes every row as it comes may fall behind: the capture waits for it (see CaptureSink). */
  ready(): Promise<void> | undefined {
    return this.mirrored ? this.inner.ready?.() : undefined;
  }

  /** Drops the chunks that lie wholly before the window of the latest time (or of a dump still to be taken). */
  private evict(): void {
    const keepFrom = Math.min(this.latest, ...this.holds) - this.windowMs / 1000;
    for (const list of this.chunks.values()) {
      while (list.length > 0 && list[0]!.hi <= keepFrom) {
        const c = list.shift()!;
        this.heldRowCount -= c.rows.length;
        this.heldByteCount -= c.bytes;
      }
    }
    // On disk, a segment goes once its latest row starts an interval before the window (an interval row stands
    // for the interval it starts), checked each second of capture time.
    const diskFrom = keepFrom - this.intervalMs / 1000;
    if (this.mirrored && diskFrom >= this.prunedTo + 1) {
      this.prunedTo = diskFrom;
      this.inner.prune!(diskFrom);
    }
  }

  /** Keeps the window ending at `atS` from eviction until release(atS): a dump of it will be taken later. */
  hold(atS: number): void {
    this.holds.push(atS);
  }

  release(atS: number): void {
    const i = this.holds.indexOf(atS);
    if (i >= 0) this.holds.splice(i, 1);
    this.evict();
  }

  /** The trigger that ends the capture: the window finish() stores ends there (the first one counts). */
  stopAt(t: RingTrigger): void {
    if (this.stopTrigger) return;
    this.stopTrigger = t;
    this.hold(t.atS); // the rows drained after it must not push its window out
  }

  get stoppedBy(): RingTrigger | undefined {
    return this.stopTrigger;
  }

  /** Every frame's rows in the window ending at `toS`: events with t_s in (toS − D, toS], intervals overlapping it. */
  window(toS: number): Record<string, Frame> {
    const fromS = toS - this.windowMs / 1000;
    const I = this.intervalMs / 1000;
    const out: Record<string, Frame> = {};
    for (const f of this.frames) {
      const list = this.chunks.get(f.name);
      let parts: Frame[];
      if (!list) parts = this.untimed.get(f.name) ?? [];
      else {
        const events = this.isEvents(f.name);
        parts = [];
        for (const c of list) {
          if (c.hi <= fromS || c.lo > toS) continue;
          const t = c.rows.numeric("t_s");
          const keep = events
            ? (i: number) => t[i]! > fromS && t[i]! <= toS
            : (i: number) => t[i]! + I > fromS && t[i]! < toS;
          parts.push(c.lo > fromS && c.hi <= toS ? c.rows : c.rows.filter(keep));
        }
      }
      out[f.name] = concatFrames(f.name, parts, f.schema);
    }
    return out;
  }

  /** The metadata of a window ending at `t`. */
  ringMeta(t: RingTrigger): RingMeta {
    return {
      windowMs: this.windowMs,
      trigger: t.reason,
      triggerS: t.atS,
      fromS: Math.max(0, t.atS - this.windowMs / 1000),
    };
  }

  /** Stores the window before the stopping trigger (or before the end of the capture) in the inner sink. */
  async finish(meta: CaptureMeta): Promise<string[]> {
    const m = await this.store(meta);
    return this.inner.finish(m);
  }

  async abort(meta: CaptureMeta): Promise<void> {
    const m = await this.store(meta);
    await this.inner.abort(m);
  }

  private async store(meta: CaptureMeta): Promise<CaptureMeta> {
    const t = this.stopTrigger ?? { reason: meta.interrupted ? "interrupted" : "end", atS: meta.elapsedMs / 1000 };
    this.stored = this.ringMeta(t);
    const m: CaptureMeta = { ...meta, ring: this.stored };
    const frames = this.window(t.atS);
    // the rows on disk hold more than the window (a segment before it, the drains after a trigger): replaced
    if (this.mirrored) await this.inner.discard!();
    else this.inner.begin(m, this.frames);
    for (const f of this.frames) this.inner.append(f.name, frames[f.name]!);
    this.chunks.clear();
    this.untimed.clear();
    this.heldRowCount = this.heldByteCount = 0;
    return m;
  }

  /** `meta` with the window finish() stored (what the returned Capture says). */
  withRing(meta: CaptureMeta): CaptureMeta {
    return this.stored ? { ...meta, ring: this.stored } : meta;
  }

  private isEvents(frame: string): boolean {
    return this.frames.find((f) => f.name === frame)?.events === true;
  }
}

/** Bytes of a frame's column storage. */
export function frameBytes(f: Frame): number {
  let n = 0;
  for (const s of f.schema) {
    const c = f.column(s.name);
    n += isStringColumn(c) ? c.codes.byteLength : c.byteLength;
  }
  return n;
}

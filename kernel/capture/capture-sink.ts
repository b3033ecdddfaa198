// CaptureSink: where a capture's rows go while it runs. The engine hands each frame's new rows after every drain;
// MemorySink keeps them (what `capture()` returns), the disk sink (segment-writer.ts) spills them to Parquet
// segments so memory stays bounded and a killed capture keeps what it wrote. Pairs with engine.ts.

import type { ColumnSpec, Frame } from "../frame/frame.js";
import { concatFrames } from "../frame/concat.js";
import type { CaptureMeta } from "./capture-meta.js";

/** A frame the capture will produce: its name (the collector's) and the schema of its rows. */
export interface SinkFrame {
  name: string;
  schema: readonly ColumnSpec[];
  /** Rows are events at their own time `t_s` (a ring's records), not intervals starting at `t_s`. */
  events?: boolean;
}

/**
 * The engine's side of capture storage. Call order: `begin` once (after attach, before the first drain), then
 * `append` any number of times, then exactly one of `finish` (the capture ended, normally or interrupted: its data
 * is kept) or `abort` (an error ended it: keep what was written, mark it incomplete).
 */
export interface CaptureSink {
  /**
   * Declares the frames (so a frame that never gets a row is still written, with its schema) and the metadata
   * known at the start (elapsedMs 0, lost {}): a capture cut off before `finish` is recovered with it.
   */
  begin(meta: CaptureMeta, frames: readonly SinkFrame[]): void;
  /**
   * The rows of `frame` added since the previous call, as a frame of their own (own string dictionaries). The
   * sink may keep `rows` (frames are immutable). Throws the error of an earlier failed write (disk full, ...),
   * which should end the capture.
   */
  append(frame: string, rows: Frame): void;
  /**
   * Optional: undefined when the sink can take more rows now, else a promise that resolves when it can. The
   * engine waits on it before draining again, so a sink that falls behind (a slow disk) makes the rings overflow,
   * counted as lost, instead of holding an ever longer queue in memory.
   */
  ready?(): Promise<void> | undefined;
  /**
   * Optional, for a sink that stores to disk as it goes (segment-writer.ts), used by a flight recorder over it:
   * keepWindow() before begin() asks it to keep rows prunable by time; prune(s) drops what lies wholly before
   * s; discard() drops all written so far. The recorder's window is then on disk while it runs, so a killed
   * recorder keeps its last window (and up to a segment more), not nothing.
   */
  keepWindow?(): void;
  prune?(beforeS: number): void;
  discard?(): Promise<void>;
  /** Stores everything with the final metadata; returns the files written (none for MemorySink). */
  finish(meta: CaptureMeta): Promise<string[]>;
  /** The capture failed: keep what was stored (marked incomplete) and release what the sink holds. */
  abort(meta: CaptureMeta): Promise<void>;
}

/**
 * Keeps every appended chunk in memory and joins them per frame: what `capture()` returns when no output folder
 * is given (memory grows with the rows, as a plain in-memory capture must).
 *
 * @example const sink = new MemorySink(); ...engine...; const frames = sink.frames();
 */
export class MemorySink implements CaptureSink {
  private schemas = new Map<string, readonly ColumnSpec[]>();
  private chunks = new Map<string, Frame[]>();
  private joined = new Map<string, Frame>();

  begin(_meta: CaptureMeta, frames: readonly SinkFrame[]): void {
    for (const f of frames) {
      this.schemas.set(f.name, f.schema);
      this.chunks.set(f.name, []);
    }
  }

  append(frame: string, rows: Frame): void {
    const list = this.chunks.get(frame);
    if (!list) throw new Error(`MemorySink: frame ${frame} was not declared in begin()`);
    if (rows.length === 0) return;
    list.push(rows);
    this.joined.delete(frame);
  }

  /** Rows appended so far for `frame`. */
  rows(frame: string): number {
    return (this.chunks.get(frame) ?? []).reduce((n, c) => n + c.length, 0);
  }

  /** One frame per declared name with every row appended so far (joined once, then cached until the next append). */
  frames(): Record<string, Frame> {
    const out: Record<string, Frame> = {};
    for (const [name, schema] of this.schemas) {
      let f = this.joined.get(name);
      if (!f) {
        const list = this.chunks.get(name)!;
        f = concatFrames(name, list, schema);
        // Keep the joined frame as the only chunk, so memory holds each row once.
        this.chunks.set(name, f.length ? [f] : []);
        this.joined.set(name, f);
      }
      out[name] = f;
    }
    return out;
  }

  async finish(_meta: CaptureMeta): Promise<string[]> {
    return [];
  }

  async abort(_meta: CaptureMeta): Promise<void> {}
}

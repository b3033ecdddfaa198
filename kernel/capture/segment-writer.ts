// SegmentWriter: the disk CaptureSink. Each frame's new rows are written as Parquet segments (every segmentMs or
// segmentRows) into a private folder inside the output folder, each fsynced and renamed into place, so memory
// stays bounded and a killed capture loses at most its last segment; finish() merges them into <frame>.parquet.
// Pairs with capture-sink.ts (the interface), segment-merge.ts (merging) and recover.ts (cut-off captures).

import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Frame } from "../frame/frame.js";
import { concatFrames } from "../frame/concat.js";
import { writeError, writeParquetInto } from "../frame/parquet.js";
import { openSession } from "../frame/duckdb-session.js";
import type { PrivateDir } from "../frame/safe-file.js";
import { BpflabError, DatasetError } from "../errors.js";
import { log } from "../log.js";
import type { CaptureMeta } from "./capture-meta.js";
import type { CaptureSink, SinkFrame } from "./capture-sink.js";
import type { OutputDir } from "./output-dir.js";
import { finishSegments, mergeSegments } from "./segment-merge.js";
import { releaseNativeMemory } from "./native-memory.js";
import { frameKv } from "../frame/parquet.js";
import { parseSegmentName, PART, SEGMENT_KEY, segmentName, START_FILE, StartRecord } from "./spill-layout.js";

export interface SegmentOptions {
  /** Cut a segment at least this often (default 1000 ms): what a SIGKILL can lose at most. */
  segmentMs?: number;
  /** ...or when this many rows are pending over all frames (default 262,144): bounds memory at fast intervals. */
  segmentRows?: number;
  /** Merge every this many single segments of a frame into one range file (default 32), so files stay few. */
  compactEvery?: number;
  /**
   * Rows cut but not yet on disk beyond which `ready()` makes the capture wait (default 4 × segmentRows): a disk
   * slower than the collectors then costs records in the rings (counted as lost), never unbounded memory.
   */
  maxQueuedRows?: number;
  /** Rewrites the metadata finish() writes (e.g. a capture "until Ctrl-C" is not interrupted by its Ctrl-C). */
  finalMeta?: (meta: CaptureMeta) => CaptureMeta;
}

/** Memory DuckDB may use for the writes and merges (they stream; this only caps its buffer pool). */
const DUCKDB_MEMORY = "256MB";
/** Segments between two returns of freed native memory to the OS (see native-memory.ts; a trim costs ~1 ms). */
const TRIM_EVERY = 8;
/** Writes per DuckDB instance (see SegmentWriter.connection). */
const RECYCLE_AFTER = 256;

function openDuckDB(): Promise<{ instance: DuckDBInstance; con: DuckDBConnection }> {
  return openSession({ memory_limit: DUCKDB_MEMORY, threads: "1" });
}

/**
 * Spills a capture to Parquet segments in a private folder of `out` (see the file comment). `out` stays the
 * caller's: close it after finish/abort.
 *
 * @example const sink = new SegmentWriter(await prepareOutput("/tmp/cap")); // hand it to capture({ sink })
 */
export class SegmentWriter implements CaptureSink {
  readonly out: OutputDir;
  private readonly segmentMs: number;
  private readonly segmentRows: number;
  private compactEvery: number;
  private readonly finalMeta: (meta: CaptureMeta) => CaptureMeta;
  private paths: string[] = [];
  private dir: PrivateDir | undefined;
  private frames: SinkFrame[] = [];
  private start: StartRecord | undefined;
  private pending = new Map<string, Frame[]>();
  private pendingCount = 0;
  private seq = new Map<string, number>();
  private singles = new Map<string, number[]>();
  private lastCut = Date.now();
  private startedAt = Date.now();
  private chain: Promise<void> = Promise.resolve();
  /** Merges run one after another beside the writes (their own DuckDB), so a long merge does not stall writing. */
  private merges: Promise<void> = Promise.resolve();
  private readonly maxQueuedRows: number;
  private queuedRows = 0; // cut, not yet written
  private waiters: (() => void)[] = [];
  private waitedMs = 0;
  private failure: BpflabError | undefined;
  private db: Promise<{ instance: DuckDBInstance; con: DuckDBConnection }> | undefined;
  private written = 0;
  private uses = 0;
  private closed = false;
  /** Under a flight recorder (keepWindow): each single segment's latest t_s, so old ones can be pruned. */
  private spans: Map<string, number> | undefined;

  constructor(out: OutputDir, options: SegmentOptions = {}) {
    this.out = out;
    this.segmentMs = options.segmentMs ?? 1000;
    this.segmentRows = options.segmentRows ?? 262_144;
    this.compactEvery = Math.max(2, options.compactEvery ?? 32);
    this.maxQueuedRows = options.maxQueuedRows ?? 4 * this.segmentRows;
    this.finalMeta = options.finalMeta ?? ((m) => m);
  }

  /** The files finish() wrote (empty before). */
  get files(): string[] {
    return this.paths;
  }

  /** Rows appended but not yet handed to the write queue (what the writer holds in memory besides the queue). */
  get pendingRows(): number {
    return this.pendingCount;
  }

  /** Rows cut into segments that are not on disk yet. */
  get queued(): number {
    return this.queuedRows;
  }

  /** Undefined while the write queue is short; else a promise that resolves once it is (see maxQueuedRows). */
  ready(): Promise<void> | undefined {
    if (this.queuedRows <= this.maxQueuedRows || this.failure) return undefined;
    const from = Date.now();
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => {
      this.waitedMs += Date.now() - from;
    });
  }

  /** Segments written so far (over all frames). */
  get segments(): number {
    return this.written;
  }

  /** Resolves once every segment cut so far is on disk and merged as due (or failed: append and finish say). */
  async settled(): Promise<void> {
    await this.chain;
    await this.merges;
  }

  /**
   * For a flight recorder (flight-recorder.ts): segments are not compacted and remember their latest t_s, so
   * prune() can drop those wholly before the window and a SIGKILLed recorder leaves its last window on disk.
   */
  keepWindow(): void {
    this.compactEvery = Infinity;
    this.spans = new Map();
  }

  /** Deletes the segments (of frames with t_s) whose rows all lie before `beforeS`, after the writes cut so far. */
  prune(beforeS: number): void {
    const spans = this.spans;
    if (!spans) return;
    this.chain = this.chain.then(() => {
      if (this.failure || this.closed) return;
      try {
        for (const [name, hi] of spans) {
          if (hi >= beforeS) continue;
          this.dir!.remove(name);
          spans.delete(name);
        }
      } catch (e) {
        this.fail(e);
      }
    });
  }

  /** Deletes every segment written so far (the rows pending are dropped too): the recorder stores its window anew. */
  async discard(): Promise<void> {
    for (const f of this.frames) this.pending.set(f.name, []);
    this.pendingCount = 0;
    await this.settled();
    for (const name of this.dir!.list()) if (parseSegmentName(name)) this.dir!.remove(name);
    this.spans?.clear();
    for (const list of this.singles.values()) list.splice(0);
  }

  /** The private folder's name inside the output folder (".bpflab-XXXXXX"). */
  get folder(): string | undefined {
    return this.dir?.name;
  }

  begin(meta: CaptureMeta, frames: readonly SinkFrame[]): void {
    if (this.dir) throw new Error("SegmentWriter.begin called twice");
    this.dir = this.out.newPrivate();
    this.frames = frames.map((f) => ({ name: f.name, schema: f.schema }));
    this.start = {
      meta,
      mode: this.out.mode,
      frames: this.frames.map((f) => ({
        name: f.name,
        schema: f.schema.map(({ name, type, unit, description }) => ({ name, type, unit, description })),
      })),
    };
    this.writeStart(this.start);
    for (const f of frames) {
      this.pending.set(f.name, []);
      this.seq.set(f.name, 0);
      this.singles.set(f.name, []);
    }
    this.startedAt = this.lastCut = Date.now();
    this.db = openDuckDB();
  }

  /**
   * The writer's DuckDB connection, replaced by a fresh instance every RECYCLE_AFTER uses: each write registers a
   * table function that DuckDB keeps until its database closes, so one instance for a whole long capture would
   * grow without bound (slowly: about a kilobyte per segment).
   */
  private async connection(): Promise<DuckDBConnection> {
    if (++this.uses > RECYCLE_AFTER) {
      this.uses = 1;
      const old = await this.db!;
      old.con.closeSync();
      old.instance.closeSync();
      this.db = openDuckDB();
    }
    return (await this.db!).con;
  }

  append(frame: string, rows: Frame): void {
    if (this.failure) throw this.failure;
    const list = this.pending.get(frame);
    if (!list) throw new Error(`SegmentWriter: frame ${frame} was not declared in begin()`);
    if (rows.length > 0) {
      list.push(rows);
      this.pendingCount += rows.length;
    }
    if (this.pendingCount >= this.segmentRows || Date.now() - this.lastCut >= this.segmentMs) this.cut();
  }

  /** Hands the pending rows to the write queue as one segment per frame. */
  private cut(): void {
    this.lastCut = Date.now();
    if (this.pendingCount === 0) return;
    const endMs = Date.now() - this.startedAt;
    const batch = [...this.pending].filter(([, l]) => l.length > 0);
    const rows = this.pendingCount;
    for (const f of this.frames) this.pending.set(f.name, []);
    this.pendingCount = 0;
    this.queuedRows += rows;
    this.chain = this.chain.then(async () => {
      try {
        if (!this.failure) for (const [name, chunks] of batch) await this.writeSegment(name, chunks, endMs);
      } catch (e) {
        this.fail(e);
      } finally {
        this.queuedRows -= rows;
        if (this.queuedRows <= this.maxQueuedRows || this.failure) for (const w of this.waiters.splice(0)) w();
      }
    });
  }

  private async writeSegment(frame: string, chunks: Frame[], endMs: number): Promise<void> {
    const con = await this.connection();
    const dir = this.dir!;
    const n = this.seq.get(frame)! + 1;
    const name = segmentName(frame, n);
    const schema = this.frames.find((f) => f.name === frame)!.schema;
    const rows = chunks.length === 1 ? chunks[0]! : concatFrames(frame, chunks, schema);
    const info = { frame, from: n, to: n, endMs };
    try {
      await writeParquetInto(con, rows, dir, name + PART, { [SEGMENT_KEY]: JSON.stringify(info) }, this.out.mode);
      dir.rename(name + PART, name);
    } catch (e) {
      dir.remove(name + PART); // a half-written part frees its space for the abort record
      throw writeError(e, `${this.out.path}/${dir.name}/${name}`);
    }
    this.seq.set(frame, n);
    if (this.spans && rows.has("t_s")) this.spans.set(name, maxOf(rows.numeric("t_s")));
    if (++this.written % TRIM_EVERY === 0) releaseNativeMemory();
    const singles = this.singles.get(frame)!;
    singles.push(n);
    if (singles.length >= this.compactEvery) {
      const nums = singles.splice(0);
      this.merges = this.merges.then(async () => {
        try {
          if (!this.failure) await this.compact(frame, nums, endMs);
        } catch (e) {
          this.fail(e);
        }
      });
    }
  }

  /** Merges single segments `nums` of `frame` into one range file, then deletes them (see liveSegments). */
  private async compact(frame: string, nums: number[], endMs: number): Promise<void> {
    const db = await openDuckDB();
    const con = db.con;
    const dir = this.dir!;
    const from = nums[0]!;
    const to = nums[nums.length - 1]!;
    const name = segmentName(frame, from, to);
    const schema = this.frames.find((f) => f.name === frame)!.schema;
    const kv = { [SEGMENT_KEY]: JSON.stringify({ frame, from, to, endMs }), ...frameKv(frame, schema) };
    try {
      await mergeSegments(
        con,
        dir,
        nums.map((k) => segmentName(frame, k)),
        name + PART,
        kv,
        this.out.mode,
      );
      dir.rename(name + PART, name);
    } catch (e) {
      dir.remove(name + PART);
      throw writeError(e, `${this.out.path}/${dir.name}/${name}`);
    } finally {
      db.con.closeSync();
      db.instance.closeSync();
    }
    for (const k of nums) dir.remove(segmentName(frame, k));
    releaseNativeMemory();
  }

  private fail(e: unknown): void {
    const err = e instanceof BpflabError ? e : writeError(e, `${this.out.path}/${this.dir?.name ?? ""}`);
    this.failure = new DatasetError(
      `capture stopped: ${err.message.split("\n")[0]}`,
      `${err.hint}; the ${this.written} segment(s) written so far are kept in ${this.out.path}: ` +
        `\`bpflab recover ${this.out.path}\` finishes them`,
      { cause: e },
    );
  }

  /** Replaces the start record (exclusive write of a new file, then rename over the old one). */
  private writeStart(rec: StartRecord): void {
    const dir = this.dir!;
    dir.remove(START_FILE + PART);
    dir.writeFile(START_FILE + PART, JSON.stringify(rec) + "\n", this.out.mode);
    dir.rename(START_FILE + PART, START_FILE);
  }

  async finish(given: CaptureMeta): Promise<string[]> {
    const meta = this.finalMeta(given);
    this.cut();
    await this.settled();
    if (this.waitedMs > 0)
      log.warn(
        `the disk fell behind the collectors: the capture waited ${this.waitedMs} ms in all for its writes, ` +
          `and records the rings could not hold meanwhile are counted as lost`,
      );
    if (this.failure) {
      await this.abort(meta);
      throw this.failure;
    }
    const dir = this.dir!;
    try {
      this.writeStart({ ...this.start!, meta, ended: true });
      const con = await this.connection();
      this.paths = await finishSegments(con, dir, this.out, this.frames, meta);
      return this.paths;
    } catch (e) {
      this.fail(e);
      throw this.failure!;
    } finally {
      await this.close();
    }
  }

  async abort(meta: CaptureMeta): Promise<void> {
    if (this.closed) return;
    if (!this.failure) this.cut();
    await this.settled(); // nothing may still write into the folder once abort returns
    try {
      if (this.dir) this.writeStart({ ...this.start!, meta: { ...meta, interrupted: true }, ended: true });
    } catch (e) {
      // With the disk full even the small end record may not fit; recovery works without it.
      log.warn(`could not record the end of the capture in ${this.out.path}: ${(e as Error).message}`);
    }
    if (this.dir)
      log.info(`capture kept as ${this.written} segment(s) in ${this.out.path}; bpflab recover finishes it`);
    await this.close();
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dir?.close();
    if (this.db) {
      const { instance, con } = await this.db;
      con.closeSync();
      instance.closeSync();
    }
  }
}

function maxOf(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > m) m = v[i]!;
  return m;
}

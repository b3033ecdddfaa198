// ColumnPool: the memory of event frames' columns, reused from one drain to the next. A drain of millions of
// events writes ~84 bytes a row into columns it then hands out whole (EventBuilder.take()); fresh columns cost a
// page fault per 4 KiB written and, once the frame is dropped, the kernel's work of freeing those pages again,
// about as much as decoding the rows. Here a block, once touched, is kept: the frame's columns view it through
// an ArrayBuffer of their own, and when the garbage collector has dropped that ArrayBuffer (so no frame, column,
// subarray or view of it is reachable) the block serves the next drain with its pages still mapped. That is
// asked of a WeakRef when a drain needs a block, not left to a FinalizationRegistry, whose callbacks wait for
// the event loop: a drain right after another (a synchronous loop, a final drain) still finds the block.

import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { markAsUntransferable } from "node:worker_threads";
import type { ColumnBlocks } from "../frame/event-builder.js";
import type { ColumnData, ColumnSpec, ColumnType } from "../frame/frame.js";
import { koffi } from "./libbpf.js";

/** Requests below this take ordinary columns: small drains copy out of the builder's kept columns anyway. */
const MIN_BLOCK = 4 << 20;
const ALIGN = 64;
const GRAIN = 2 << 20;
/**
 * A block this big that would have to be made new while an earlier one is still out is worth a collection first:
 * its page faults alone (one per 4 KiB, ~2.5 µs each here) cost far more than collecting a small heap does.
 */
const COLLECT_FOR = 64 << 20;
/** ... as long as the JS heap is small enough that a full collection stays short. */
const COLLECT_HEAP_MAX = 256 << 20;
/**
 * After this many bytes of new blocks, a collection before the next one is made: a capture that keeps a short
 * window of rows (a flight recorder) drops its frames as fast as drains make them, but the garbage collector,
 * seeing a JS heap of a few MiB, may leave them uncollected for long (580 MiB of blocks out for a 500 ms window
 * of 35 MiB). So at most this much garbage waits; a collection of a small heap costs a few ms, less than the
 * page faults of the memory it saves making.
 */
const COLLECT_AFTER_NEW = 128 << 20;

/**
 * Blocks this big are kept out of forked children (madvise MADV_DONTFORK): a fork (every child_process spawn)
 * write-protects all of the parent's pages for copy-on-write, so each page of a kept block would take a fault at
 * its next write again, as a fresh one does. A child between fork and exec never touches column memory, and at
 * this size glibc maps the block on its own (above its largest mmap threshold, 32 MiB), so the advice goes with it.
 */
const DONTFORK_MIN = 64 << 20;
const MADV_DONTFORK = 10;
const PAGE = 4096;

let madvise: ((addr: bigint, len: number, advice: number) => number) | null | undefined;

/** Keeps the whole pages of [address, address + bytes) out of forked children; false where it cannot. */
function dontFork(address: bigint, bytes: number): boolean {
  if (madvise === undefined) {
    try {
      madvise = koffi
        .load("libc.so.6")
        .func("int madvise(void *addr, size_t length, int advice)") as unknown as typeof madvise;
    } catch {
      madvise = null;
    }
  }
  const start = ((address + BigInt(PAGE - 1)) / BigInt(PAGE)) * BigInt(PAGE);
  const end = ((address + BigInt(bytes)) / BigInt(PAGE)) * BigInt(PAGE);
  return !!madvise && end > start && madvise(start, Number(end - start), MADV_DONTFORK) === 0;
}

let collector: (() => void) | null | undefined;

/** The engine's gc(), or null where it cannot be had. Exposing it adds a `gc` only to contexts made later. */
function gcFunction(): (() => void) | null {
  if (collector === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      collector = runInNewContext("gc") as () => void;
    } catch {
      collector = null;
    }
  }
  return collector;
}

interface Block {
  /** The memory, held here for the pool's life (V8 counts it; it never moves). */
  store: ArrayBuffer;
  address: bigint;
  bytes: number;
}

const width = (t: ColumnType): number => (t === "bool" ? 1 : t === "u32" || t === "i32" || t === "str" ? 4 : 8);

export class ColumnPool implements ColumnBlocks {
  private readonly free: Block[] = [];
  /** Blocks handed out, each with the ArrayBuffer its columns view: free again once that is collected. */
  private out: { view: WeakRef<ArrayBuffer>; block: Block }[] = [];
  /** Bytes of blocks made new since the last collection. */
  private madeSinceCollect = 0;

  /** At most `keepBlocks` free blocks are kept (the newest): the others are let go, V8 frees them. */
  constructor(private readonly keepBlocks = 2) {}

  columns(schema: readonly ColumnSpec[], capacity: number): ColumnData[] | undefined {
    let bytes = 0;
    const offsets = schema.map((s) => {
      const at = bytes;
      bytes += Math.ceil((width(s.type) * capacity) / ALIGN) * ALIGN;
      return at;
    });
    if (bytes < MIN_BLOCK) return undefined;
    const block = this.take(bytes);
    // the columns' own ArrayBuffer over the block: what the registry watches (every view of it keeps it alive),
    // and not transferable to a worker (whose use the registry could not see)
    const view = koffi.view(block.address, block.bytes) as ArrayBuffer;
    markAsUntransferable(view);
    this.out.push({ view: new WeakRef(view), block });
    return schema.map((s, i) => {
      const at = offsets[i]!;
      switch (s.type) {
        case "u32":
          return new Uint32Array(view, at, capacity);
        case "i32":
          return new Int32Array(view, at, capacity);
        case "u64":
          return new BigUint64Array(view, at, capacity);
        case "bool":
          return new Uint8Array(view, at, capacity);
        case "str":
          return { codes: new Uint32Array(view, at, capacity), dict: [] };
        default:
          return new Float64Array(view, at, capacity);
      }
    });
  }

  /** The smallest free block that holds `bytes` (a larger one's tail stays unused while it is out), else a new one. */
  private take(bytes: number): Block {
    if (this.fit(bytes) < 0 && this.worthCollecting(bytes) && getHeapStatistics().used_heap_size < COLLECT_HEAP_MAX) {
      // an earlier frame's block would do, if that frame is gone: a collection tells (the garbage collector runs
      // when JS allocates, and a drain allocates little on the heap: without this a block may wait for minutes).
      // Before any deref(): a WeakRef read keeps its target alive to the end of the job.
      this.madeSinceCollect = 0;
      gcFunction()?.();
    }
    const best = this.reclaim(bytes);
    if (best >= 0) {
      const [b] = this.free.splice(best, 1);
      return b!;
    }
    // a quarter more than asked: the next drains, of about as many rows, fit it too
    const size = Math.ceil((bytes * 1.25) / GRAIN) * GRAIN;
    const store = new ArrayBuffer(size);
    this.madeSinceCollect += size;
    const address = koffi.address(store) as bigint;
    if (size >= DONTFORK_MIN) dontFork(address, size);
    return { store, address, bytes: size };
  }

  /** A big block that an earlier one could serve, or many bytes of new blocks since the last collection. */
  private worthCollecting(bytes: number): boolean {
    if (bytes >= COLLECT_FOR && this.out.some((o) => o.block.bytes >= bytes)) return true;
    return this.madeSinceCollect >= COLLECT_AFTER_NEW && this.out.length > 0;
  }

  /** Frees the blocks whose views were collected; returns the index of the smallest free one that holds `bytes`. */
  private reclaim(bytes: number): number {
    // a WeakRef is cleared only once its target is unreachable
    const still = [];
    for (const o of this.out) {
      if (o.view.deref() === undefined) this.giveBack(o.block);
      else still.push(o);
    }
    this.out = still;
    return this.fit(bytes);
  }

  /** The index of the smallest free block that holds `bytes`, or -1. */
  private fit(bytes: number): number {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.bytes >= bytes && (best < 0 || b.bytes < this.free[best]!.bytes)) best = i;
    }
    return best;
  }

  private giveBack(b: Block): void {
    this.free.push(b);
    while (this.free.length > this.keepBlocks) this.free.shift();
  }
}

let shared: ColumnPool | undefined;

/** The process's pool for event builders; none with BPFLAB_COLUMN_POOL=0 (benchmarks compare). */
export function columnPool(): ColumnPool | undefined {
  if (process.env.BPFLAB_COLUMN_POOL === "0") return undefined;
  return (shared ??= new ColumnPool());
}

// ColumnPool: the memory of event frames' columns, reused from one drain to the next. A drain of millions of
// events writes ~84 bytes a row into columns it then hands out whole (EventBuilder.take()); fresh columns cost a
// page fault per 4 KiB written and, once the frame is dropped, the kernel's work of freeing those pages again,
// about as much as decoding the rows. Here a block, once touched, is kept: the frame's columns view it through
// an ArrayBuffer of their own, and when the garbage collector has dropped that ArrayBuffer (so no frame, column,
// subarray or view of it is reachable) the block serves the next drain with its pages still mapped.

import { markAsUntransferable } from "node:worker_threads";
import type { ColumnBlocks } from "../frame/event-builder.js";
import type { ColumnData, ColumnSpec, ColumnType } from "../frame/frame.js";
import { koffi } from "./libbpf.js";

/** Requests below this take ordinary columns: small drains copy out of the builder's kept columns anyway. */
const MIN_BLOCK = 4 << 20;
const ALIGN = 64;
const GRAIN = 2 << 20;

interface Block {
  /** The memory, held here for the pool's life (V8 counts it; it never moves). */
  store: ArrayBuffer;
  address: bigint;
  bytes: number;
}

const width = (t: ColumnType): number => (t === "bool" ? 1 : t === "u32" || t === "i32" || t === "str" ? 4 : 8);

export class ColumnPool implements ColumnBlocks {
  private readonly free: Block[] = [];
  private freeBytes = 0;
  /** Blocks come back here when the ArrayBuffer their columns view is collected. */
  private readonly registry = new FinalizationRegistry<Block>((b) => this.giveBack(b));

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
    this.registry.register(view, block);
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

  /** Free blocks' bytes now (tests). */
  get idleBytes(): number {
    return this.freeBytes;
  }

  /** The smallest free block that holds `bytes` (a larger one's tail stays unused while it is out), else a new one. */
  private take(bytes: number): Block {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.bytes >= bytes && (best < 0 || b.bytes < this.free[best]!.bytes)) best = i;
    }
    if (best >= 0) {
      const [b] = this.free.splice(best, 1);
      this.freeBytes -= b!.bytes;
      return b!;
    }
    const size = Math.ceil(bytes / GRAIN) * GRAIN;
    const store = new ArrayBuffer(size);
    return { store, address: koffi.address(store) as bigint, bytes: size };
  }

  private giveBack(b: Block): void {
    this.free.push(b);
    this.freeBytes += b.bytes;
    while (this.free.length > this.keepBlocks) this.freeBytes -= this.free.shift()!.bytes;
  }
}

let shared: ColumnPool | undefined;

/** The process's pool for event builders; none with BPFLAB_COLUMN_POOL=0 (benchmarks compare). */
export function columnPool(): ColumnPool | undefined {
  if (process.env.BPFLAB_COLUMN_POOL === "0") return undefined;
  return (shared ??= new ColumnPool());
}

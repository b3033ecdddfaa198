// The native drain of an event frame (kernel/native/event-drain.c through koffi): the frame's cells (from the
// object's BTF, batch-decoder.ts) laid out as the C descriptor, and the calls that merge, check and decode the
// rings into the builder's columns, giving the rows, ring positions and dictionary codes of the JS fused drain
// (fused-merge.ts), which tests check it against.

import type { Dictionary, EventBuilder } from "../frame/event-builder.js";
import type { RingCursor } from "../loader/percpu-rings.js";
import type { NativeEvents } from "../loader/native-events.js";
import type { Cell, TimeOrigin } from "./batch-cells.js";

// struct args and struct cell of event-drain.c, in 8-byte slots
const A = {
  nrings: 0,
  ncells: 1,
  recordSize: 2,
  timeOff: 3,
  mask: 4,
  limit: 5,
  hi0: 6,
  lo0: 7,
  wallUs: 8,
  row: 9,
  maxRows: 10,
  miss: 11,
  missValue: 12,
  pending: 13,
  pendingCell: 14,
  missKey: 15,
  cols: 23,
  pendCodes: 55,
  rings: 58,
} as const;
const MAX_KEY = 64,
  MAX_COLS = 32,
  MAX_RINGS = 256,
  RING_SLOTS = 4,
  CELL_SLOTS = 11;
const C = { kind: 0, off: 1, size: 2, signed: 3, dst: 4, col: 5, table: 6, cap: 7, used: 8, bigV: 9, bigCode: 10 };
const KIND = { num: 0, u64: 1, chars: 2, mapped: 3, cgroup: 4 } as const;
/** Bytes of a slot of a cgroup cell's id table: id + 1 (0: empty), three u32 codes, pad. */
const ID_SLOT = 24;
const DST = { U8: 0, U32: 1, I32: 2, F64: 3 } as const;
/** Mapped values 0 .. MAP_SMALL - 1 have a slot in the cell's code table (as mappedCodes() memoises). */
const MAP_SMALL = 4096;

/** A string cell's codes: its table and the dictionary they are codes of. */
interface StringState {
  cell: number;
  of?: Dictionary;
  table: ArrayBuffer;
  /** The string of a missed value (mapped cells). */
  name?: (v: number) => string;
  len?: number;
}

export interface NativeMerged {
  decodeMerged(cursors: RingCursor[], mask: number, out: EventBuilder, first: number, limitNs: number): number;
}

/** Where the cgroup columns come from: the byte offset of the record's 64-bit cgroup id, and the first of the
 * three code columns (cgroup, container, unit) it fills. */
export interface CgroupCell {
  off: number;
  col: number;
}

/** The cgroup cell's id table and what it holds codes of: the builder's dictionaries and take() generation. */
interface CgroupState {
  cell: number;
  col: number;
  table: ArrayBuffer;
  of?: Dictionary;
  generation: number;
}

/**
 * The native drain of these cells, or undefined for a cell the C loop does not decode (a char array over
 * MAX_KEY bytes, a 64-bit integer into a 32-bit column): such a frame keeps the JS drain. With `cgroup`, the loop
 * also fills the cgroup, container and unit columns (what fillCgroupColumns does at take() for the JS drain):
 * each id's codes resolved through the builder's resolveCgroup where the id is first met after a take(), so a
 * frame's rows resolve as fillCgroupColumns' would.
 */
export function nativeMerged(
  lib: NativeEvents,
  cells: Cell[],
  t0: TimeOrigin,
  timeOffset: number,
  recordSize: number,
  cgroup?: CgroupCell,
): NativeMerged | undefined {
  if (cells.length + 1 > MAX_COLS || cells.some((c) => c.col >= MAX_COLS)) return undefined;
  if (cgroup && cgroup.col + 2 >= MAX_COLS) return undefined;
  const nCells = cells.length + (cgroup ? 1 : 0);
  const cellBuf = new ArrayBuffer(nCells * CELL_SLOTS * 8);
  const ci = new BigInt64Array(cellBuf);
  const strings: StringState[] = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!,
      s = i * CELL_SLOTS;
    ci[s + C.kind] = BigInt(KIND[c.kind]);
    ci[s + C.col] = BigInt(c.col);
    ci[s + C.bigCode] = -1n;
    if (c.kind === "num" || c.kind === "mapped") {
      ci[s + C.off] = BigInt(c.int.off);
      ci[s + C.size] = BigInt(c.int.size);
      ci[s + C.signed] = c.int.signed ? 1n : 0n;
    }
    if (c.kind === "num") {
      const dst = c.type === "u32" ? DST.U32 : c.type === "i32" ? DST.I32 : c.type === "bool" ? DST.U8 : DST.F64;
      // JS stores a rounded 64-bit value modulo 2^32: the C casts are exact for 32 bits only
      if (c.type === "u64" || c.type === "str" || (dst !== DST.F64 && c.int.size === 8)) return undefined;
      ci[s + C.dst] = BigInt(dst);
    } else if (c.kind === "u64") {
      ci[s + C.off] = BigInt(c.word * 4);
    } else if (c.kind === "chars") {
      if (c.len > MAX_KEY) return undefined;
      ci[s + C.off] = BigInt(c.word * 4);
      ci[s + C.size] = BigInt(c.len);
      strings.push({ cell: i, table: new ArrayBuffer(0), len: c.len });
    } else {
      strings.push({ cell: i, table: new ArrayBuffer(0), name: c.name });
    }
  }
  let cg: CgroupState | undefined;
  if (cgroup) {
    const s = cells.length * CELL_SLOTS;
    ci[s + C.kind] = BigInt(KIND.cgroup);
    ci[s + C.off] = BigInt(cgroup.off);
    ci[s + C.col] = BigInt(cgroup.col);
    ci[s + C.bigCode] = -1n;
    cg = { cell: cells.length, col: cgroup.col, table: new ArrayBuffer(0), generation: -1 };
  }
  /** The id table, empty: for another builder, and after each take() (a frame's ids resolve anew, as the JS
   * drain's take() resolves them; an id unknown at one take may be known at the next). */
  const resetIds = (st: CgroupState, out: EventBuilder) => {
    const s = st.cell * CELL_SLOTS,
      cap = 64;
    st.of = out.dicts[st.col];
    st.generation = out.generation;
    st.table = new ArrayBuffer(cap * ID_SLOT);
    ci[s + C.cap] = BigInt(cap);
    ci[s + C.used] = 0n;
    ci[s + C.table] = lib.address(st.table);
  };
  const slotBytes = (len: number) => ((len + 7) & ~7) + 8;
  /** A string cell's table, empty (for a dictionary it has no codes of yet). */
  const reset = (st: StringState, dict: Dictionary) => {
    const s = st.cell * CELL_SLOTS;
    st.of = dict;
    if (st.len !== undefined) {
      const cap = 256;
      st.table = new ArrayBuffer(cap * slotBytes(st.len));
      ci[s + C.cap] = BigInt(cap);
      ci[s + C.used] = 0n;
    } else {
      st.table = new ArrayBuffer(MAP_SMALL * 4);
      new Int32Array(st.table).fill(-1);
      ci[s + C.bigCode] = -1n;
    }
    ci[s + C.table] = lib.address(st.table);
  };
  const args = new ArrayBuffer((A.rings + MAX_RINGS * RING_SLOTS) * 8);
  const ai = new BigInt64Array(args),
    af = new Float64Array(args),
    ab = new Uint8Array(args);
  ai[A.ncells] = BigInt(nCells);
  ai[A.recordSize] = BigInt(recordSize);
  ai[A.timeOff] = BigInt(timeOffset);
  ai[A.hi0] = t0.mono >> 32n;
  ai[A.lo0] = t0.mono & 0xffffffffn;
  af[A.wallUs] = t0.wallUs;
  // each cursor's data area address, kept with the memory it is the address of (cursors are reused)
  const ringAddr = new WeakMap<ArrayBufferLike, bigint>();
  const stride = (recordSize + 15) & ~7;

  return {
    decodeMerged(cursors, mask, out, first, limitNs) {
      const k = cursors.length;
      if (k > MAX_RINGS) throw new RangeError(`native event drain: ${k} rings, at most ${MAX_RINGS}`);
      ai[A.nrings] = BigInt(k);
      ai[A.mask] = BigInt(mask);
      af[A.limit] = limitNs;
      // no row past the reserved ones (what the pending bytes can hold) nor past any column's end
      let most = 0;
      for (const c of cursors) most += Math.floor((c.end - c.pos) / stride);
      let cap = Infinity;
      for (let j = 0; j < out.columns.length && j < MAX_COLS; j++) {
        const col = out.columns[j]!;
        const arr = "codes" in col ? col.codes : col;
        cap = Math.min(cap, arr.length);
        // the columns change at reserve() after take() handed them out, or grew: their addresses each drain
        ai[A.cols + j] = lib.address(arr);
      }
      ai[A.row] = BigInt(first);
      ai[A.maxRows] = BigInt(Math.min(first + most, cap));
      for (let j = 0; j < k; j++) {
        const c = cursors[j]!,
          g = A.rings + j * RING_SLOTS;
        let addr = ringAddr.get(c.bytes.buffer);
        if (addr === undefined) ringAddr.set(c.bytes.buffer, (addr = lib.address(c.bytes) + BigInt(c.dataOff)));
        ai[g] = addr;
        ai[g + 1] = BigInt(c.pos);
        ai[g + 2] = BigInt(c.end);
      }
      for (const st of strings) {
        const d = out.dicts[cells[st.cell]!.col]!;
        if (st.of !== d) reset(st, d);
      }
      if (cg && (cg.of !== out.dicts[cg.col] || cg.generation !== out.generation)) {
        // the C loop writes these three columns: a builder without them would have it write through address 0
        const names = out.schema.slice(cg.col, cg.col + 3).map((c) => c.name);
        if (names.join() !== "cgroup,container,unit")
          throw new Error(`native event drain: no cgroup columns at ${cg.col}`);
        resetIds(cg, out);
      }
      ai[A.pending] = -1n;
      for (;;) {
        const n = Number(lib.drain(args, cellBuf));
        if (n < 0) throw new Error(`native event drain: error ${n} (more rows than reserved, or too many cells)`);
        const miss = Number(ai[A.miss]);
        if (miss < 0) break;
        if (cg && miss === cg.cell) {
          // an id not met since the last take(): its path, container and unit as the builder's codes
          const id = new BigUint64Array(args, A.missKey * 8, 1)[0]!;
          const info = out.resolveCgroup?.(id);
          const names = [info?.path ?? "", info?.container ?? "", info?.unit ?? ""];
          for (let k = 0; k < 3; k++) ai[A.pendCodes + k] = BigInt(out.dicts[cg.col + k]!.intern(names[k]!));
          const s = miss * CELL_SLOTS;
          const capSlots = Number(ci[s + C.cap]);
          if (2 * (Number(ci[s + C.used]) + 1) > capSlots) {
            const t = new ArrayBuffer(2 * capSlots * ID_SLOT);
            lib.grow(cellBuf, miss, t, 2 * capSlots);
            cg.table = t;
          }
          ai[A.pending] = 0n;
          ai[A.pendingCell] = BigInt(miss);
          continue;
        }
        // a value with no code yet: the dictionary gives it one, the next call stores it and goes on from here
        const st = strings.find((x) => x.cell === miss)!;
        let code: number;
        if (st.len !== undefined) {
          const key = ab.subarray(A.missKey * 8, A.missKey * 8 + st.len);
          let end = key.indexOf(0);
          if (end < 0) end = st.len;
          code = st.of!.intern(Buffer.from(key.buffer, key.byteOffset, end).toString("utf8"));
          const s = miss * CELL_SLOTS;
          const capSlots = Number(ci[s + C.cap]);
          if (2 * (Number(ci[s + C.used]) + 1) > capSlots) {
            // half full: twice the slots (open addressing stays short-probed)
            const t = new ArrayBuffer(2 * capSlots * slotBytes(st.len));
            lib.grow(cellBuf, miss, t, 2 * capSlots);
            st.table = t;
          }
        } else {
          code = st.of!.intern(st.name!(af[A.missValue]!));
        }
        ai[A.pending] = BigInt(code);
        ai[A.pendingCell] = BigInt(miss);
      }
      for (let j = 0; j < k; j++) cursors[j]!.pos = Number(ai[A.rings + j * RING_SLOTS + 1]);
      return Number(ai[A.row]) - first;
    },
  };
}

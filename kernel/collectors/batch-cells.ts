// What a batch decoder reads for each column of a stream frame's record (from the object's BTF), shared by the
// run decoder (batch-decoder.ts) and the fused drain loop (fused-merge.ts) that generate code from it, and the
// helpers that code calls for string columns.

import type { Dictionary } from "../frame/event-builder.js";
import type { ColumnType } from "../frame/frame.js";

/** The capture's time origin, on both clocks. */
export interface TimeOrigin {
  mono: bigint;
  wallUs: number;
}

/** An integer field: byte offset in the record, size, signedness. */
export interface IntField {
  off: number;
  size: 1 | 2 | 4 | 8;
  signed: boolean;
}

/**
 * What one column takes from a record, for the generated loops: an integer, a 64-bit copy, a string of a char
 * array, or an integer mapped to a string.
 */
export type Cell =
  | { kind: "num"; col: number; int: IntField; type: ColumnType }
  | { kind: "u64"; col: number; word: number }
  | { kind: "chars"; col: number; word: number; words: number; len: number }
  | { kind: "mapped"; col: number; int: IntField; name: (v: number) => string };

export const TWO32 = 4294967296;

/**
 * A JavaScript expression reading integer field `f` of the record whose payload starts at byte `at` of bytes
 * `b`: 32-bit words through `word(byte offset)` (an element of the ring's words, or a local already read).
 */
export function intExpr(f: IntField, word: (off: number) => string): string {
  const { off } = f;
  switch (f.size) {
    case 1:
      return f.signed ? `((b[at + ${off}] << 24) >> 24)` : `b[at + ${off}]`;
    case 2:
      return f.signed
        ? `(((b[at + ${off}] | (b[at + ${off + 1}] << 8)) << 16) >> 16)`
        : `(b[at + ${off}] | (b[at + ${off + 1}] << 8))`;
    case 4:
      return f.signed ? `(${word(off)} | 0)` : word(off);
    case 8:
      return f.signed
        ? `((${word(off + 4)} | 0) * ${TWO32} + ${word(off)})`
        : `(${word(off + 4)} * ${TWO32} + ${word(off)})`;
  }
}

/** An integer into its string's dictionary code, memoised per value (for one dictionary at a time). */
export function mappedCodes(name: (v: number) => string): (v: number, dict: Dictionary) => number {
  const small = new Int32Array(4096).fill(-1);
  const big = new Map<number, number>();
  let of: Dictionary | undefined;
  return (v, dict) => {
    if (dict !== of) {
      // codes belong to a dictionary: another one (another builder) starts the memo again
      of = dict;
      small.fill(-1);
      big.clear();
    }
    if (v >= 0 && v < 4096 && Number.isInteger(v)) {
      const c = small[v]!;
      return c >= 0 ? c : (small[v] = dict.intern(name(v)));
    }
    let c = big.get(v);
    if (c === undefined) big.set(v, (c = dict.intern(name(v))));
    return c;
  };
}

/**
 * A NUL-terminated char array at word `wi` into its dictionary code (deduplicated by its words, for one
 * dictionary at a time).
 */
export function charsCodes(
  len: number,
  nw: number,
): (w: Uint32Array, b: Uint8Array, at: number, wi: number, dict: Dictionary) => number {
  // hash of the words → entries with those exact words (a collision only costs a comparison)
  const seen = new Map<number, { words: Uint32Array; code: number }[]>();
  let of: Dictionary | undefined;
  return (w, b, _at, wi, dict) => {
    if (dict !== of) {
      of = dict;
      seen.clear();
    }
    let h = 0;
    for (let j = 0; j < nw; j++) h = (Math.imul(h, 0x9e3779b1) ^ w[wi + j]!) | 0;
    let list = seen.get(h);
    if (list) {
      for (const e of list) {
        let eq = true;
        for (let j = 0; j < nw; j++) if (e.words[j] !== w[wi + j]) eq = false;
        if (eq) return e.code;
      }
    } else seen.set(h, (list = []));
    const at = wi * 4;
    let end = 0;
    while (end < len && b[at + end] !== 0) end++;
    const code = dict.intern(Buffer.from(b.buffer, b.byteOffset + at, end).toString("utf8"));
    list.push({ words: w.slice(wi, wi + nw), code });
    return code;
  };
}

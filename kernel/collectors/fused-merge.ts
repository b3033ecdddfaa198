// The source of the fused drain loop (batch-decoder.ts compiles it with a frame's cells): the per-CPU rings are
// merged into time order, checked against the drain's time limit and decoded into columns in one pass, each
// record read once where it lies in ring memory. It replaces three passes over the rings (peek()'s limit check,
// runRows()' merge, the run decoder), each of which read the whole ring data from memory again.

import { Cell, charsCodes, intExpr, mappedCodes, TimeOrigin, TWO32 } from "./batch-cells.js";

/** Record header flags (struct bpf_ringbuf_hdr's len): being written, discarded; the rest is the length. */
const BUSY = 0x80000000,
  DISCARD = 0x40000000,
  LEN = 0x3fffffff;

export interface MergedLoopParts {
  cells: Cell[];
  /** Registers a helper the loop calls, returning its name in the source. */
  helper: (h: unknown) => string;
  t0: TimeOrigin;
  /** Word offset of the record's 64-bit time. */
  timeWord: number;
  recordSize: number;
}

/**
 * The body of `decodeMerged(cur, mask, out, row0, limit)` (BatchDecoder.decodeMerged): a k-way merge by each
 * ring's next time that takes the leading ring's records in one stretch while they stay before every other
 * ring's head (ties go to the lower CPU, as runRows() places them), so the common case (one CPU's burst at a
 * time) is a plain loop over one ring's records with the header, limit and merge checks inline. A ring stops at
 * a record still being written or at the first time at or past `limit`; its cursor's `pos` stays there, and
 * discarded records or records of another size are stepped over.
 *
 * Each typed-array access costs V8 a map, length and bounds check (none are hoisted out of the loop), so each
 * word of the record is read once into a local, 16-byte names are compared with the previous record's as two
 * doubles, and the header is read with a plain load on x64 (see `loadHeader`).
 */
export function mergedLoop(p: MergedLoopParts): string {
  const { timeWord: tw, recordSize } = p;
  const hi0 = Number(p.t0.mono >> 32n),
    lo0 = Number(p.t0.mono & 0xffffffffn);
  const { pre, body } = cellCode(p);
  const header = `const off = dataOff + (pos & mask);
    const hdr = ${loadHeader("w", "off >> 2")};
    if (hdr & ${BUSY}) break;
    const len = hdr & ${LEN};
    if (hdr & ${DISCARD} || len !== ${recordSize}) { pos += (len + 15) & ~7; continue; }
    const at = off + 8, q = at >> 2;
    const w${tw} = w[q + ${tw}], w${tw + 1} = w[q + ${tw + 1}];
    const ns = (w${tw + 1} - ${hi0}) * ${TWO32} + (w${tw} - ${lo0});
    if (ns >= limit) break;`;
  return `"use strict";
${pre.join("\n")}
const k = cur.length;
// heads[j]: the time of ring j's next record, Infinity once it has none to give this drain
const heads = new Float64Array(k);
for (let j = 0; j < k; j++) {
  const c = cur[j], w = c.words, dataOff = c.dataOff, end = c.end;
  let pos = c.pos, head = Infinity;
  while (pos < end) {
    ${header}
    head = ns;
    break;
  }
  c.pos = pos;
  heads[j] = head;
}
let r = row0;
for (;;) {
  let best = -1, bt = Infinity;
  for (let j = 0; j < k; j++) if (heads[j] < bt) { bt = heads[j]; best = j; }
  if (best < 0) break;
  // the stretch: records before every other head (equal times: the lower CPU first)
  let lim = Infinity, limJ = k;
  for (let j = 0; j < k; j++) if (j !== best && heads[j] < lim) { lim = heads[j]; limJ = j; }
  const tie = best < limJ;
  const c = cur[best], w = c.words, b = c.bytes, d = c.doubles, dataOff = c.dataOff, end = c.end;
  let pos = c.pos, head = Infinity;
  while (pos < end) {
    ${header}
    if (ns > lim || (ns === lim && !tie)) { head = ns; break; }
    ${body.join("\n    ")}
    r++;
    pos += ${(recordSize + 15) & ~7};
  }
  c.pos = pos;
  heads[best] = head;
}
return r - row0;`;
}

/**
 * The header word, which says whether the record is complete: it must be read before the record's other words
 * (the kernel sets it last, with release semantics). x64 keeps loads in order and V8 emits typed-array loads in
 * program order, so a plain load is the acquire load libbpf does (`smp_load_acquire`, a plain mov on x86) and
 * costs a third of Atomics.load, a builtin call; elsewhere Atomics.load orders them.
 */
function loadHeader(w: string, index: string): string {
  return process.arch === "x64" ? `${w}[${index}]` : `Atomics.load(${w}, ${index})`;
}

/** Per-column state (`pre`) and per-record statements (`body`, after the time words are read). */
function cellCode(p: MergedLoopParts): { pre: string[]; body: string[] } {
  const pre: string[] = ["const ts = out.columns[0], rel = out.columns[1];"];
  const out: string[] = [`ts[r] = Math.round(${p.t0.wallUs} + ns / 1000); rel[r] = ns / 1e9;`];
  // each word used, read once (the time words are read by the header already)
  const words = new Set<number>([p.timeWord, p.timeWord + 1]);
  const loads: string[] = [];
  const word = (i: number) => {
    if (!words.has(i)) {
      words.add(i);
      loads.push(`const w${i} = w[q + ${i}];`);
    }
    return `w${i}`;
  };
  const wordAt = (off: number) => word(off / 4);
  let doubles = false;
  for (const c of p.cells) {
    const v = `c${c.col}`;
    if (c.kind === "num") {
      pre.push(`const ${v} = out.columns[${c.col}];`);
      out.push(`${v}[r] = ${intExpr(c.int, wordAt)};`);
    } else if (c.kind === "u64") {
      pre.push(
        `const ${v}c = out.columns[${c.col}]; const ${v} = new Uint32Array(${v}c.buffer, ${v}c.byteOffset, ${v}c.length * 2);`,
      );
      out.push(`${v}[2 * r] = ${word(c.word)}; ${v}[2 * r + 1] = ${word(c.word + 1)};`);
    } else if (c.kind === "mapped") {
      const h = p.helper(mappedCodes(c.name));
      pre.push(`const ${v} = out.columns[${c.col}].codes, ${v}d = out.dicts[${c.col}];`);
      // the previous record's value (a thread's run of the same call) needs no lookup; NaN equals no value
      pre.push(`let ${v}pv = NaN, ${v}pc = 0;`);
      out.push(
        `{ const x = ${intExpr(c.int, wordAt)}; if (x !== ${v}pv) { ${v}pv = x; ${v}pc = ${h}(x, ${v}d); } ${v}[r] = ${v}pc; }`,
      );
    } else {
      const h = p.helper(charsCodes(c.len, c.words));
      pre.push(`const ${v} = out.columns[${c.col}].codes, ${v}d = out.dicts[${c.col}];`);
      let now: string[];
      if (c.word % 2 === 0 && c.words % 2 === 0) {
        // 8-byte aligned (records are): compared as doubles, half the reads. Doubles are equal when their bytes
        // are, or for +0 and -0, which differ only in a byte after seven NULs: the name ends before it in both,
        // so they are the same string. NaN bytes never compare equal: such names just take the lookup.
        doubles = true;
        now = Array.from({ length: c.words / 2 }, (_, j) => `d[qd + ${c.word / 2 + j}]`);
      } else {
        now = Array.from({ length: c.words }, (_, j) => word(c.word + j));
      }
      const prev = now.map((_, j) => `${v}p${j}`);
      const cur = now.map((_, j) => `${v}n${j}`);
      pre.push(`let ${v}pc = 0, ${prev.map((x) => `${x} = NaN`).join(", ")};`);
      const same = cur.map((x, j) => `${x} === ${prev[j]}`).join(" && ");
      const keep = cur.map((x, j) => `${prev[j]} = ${x};`).join(" ");
      out.push(
        `{ const ${cur.map((x, j) => `${x} = ${now[j]}`).join(", ")};` +
          ` if (!(${same})) { ${v}pc = ${h}(w, b, at, q + ${c.word}, ${v}d); ${keep} } ${v}[r] = ${v}pc; }`,
      );
    }
  }
  return { pre, body: [...(doubles ? ["const qd = at >> 3;"] : []), ...loads, ...out] };
}

// Kernel symbols from /proc/kallsyms (root sees real addresses), read once per capture: the function holding
// a kernel address, with its module when it is not in vmlinux.
//
// The file is ~120,000 lines (5 MB) and a capture resolves a few hundred addresses in it, so the parse keeps
// the text as one string and makes nothing per line: each text symbol's address goes into a typed array and
// its name stays in the text as (start, end), sliced out only when a lookup lands on it. Splitting it into
// lines, a BigInt per address and a string per name cost 75–170 ms of CPU per capture, more than the ~60 ms
// the kernel spends generating the file; this parse costs 10–60 ms (the high end before the JIT warms up).

import { readFileSync } from "node:fs";

/** Text symbols only: t/T (code), w/W (weak code). */
const isText = (c: number) => c === 0x74 || c === 0x54 || c === 0x77 || c === 0x57;

/** A hex digit's value, or -1. */
const hex = (c: number) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

export class KernelSymbols {
  /** The first symbol's address: the others are stored as offsets from it (kernel addresses pass 2^53). */
  private readonly base: bigint;
  /** Offsets from `base`, ascending; among equal addresses the file's order (the last one is found). */
  private readonly addr: Float64Array;
  private readonly text: string;
  /** Symbol i's name is text[spans[2i], spans[2i+1]); a module's symbol continues with "\t[mod]" to the line's end. */
  private readonly spans: Uint32Array;
  private readonly cache = new Map<bigint, string>();

  private constructor(base: bigint, addr: Float64Array, spans: Uint32Array, text: string) {
    this.base = base;
    this.addr = addr;
    this.text = text;
    this.spans = spans;
  }

  /** Parses kallsyms text ("ffffffff81000000 T _stext", "ffffffffc0a01000 t foo\t[mod]"). */
  static parse(text: string): KernelSymbols {
    const s = text;
    const len = s.length;
    // grown as needed (kallsyms lines are ~45 characters)
    let off = new Float64Array(Math.ceil(len / 40) + 16);
    let spans = new Uint32Array(2 * off.length);
    let n = 0;
    let bh = -1,
      bl = 0;
    // the next tab at or after the current line: only modules' lines have one, so one search serves thousands
    let tab = -1;
    for (let p = 0; p < len;) {
      // "ADDR T NAME[\t[MOD]]": the address in hex, one type letter, the name up to a tab or the line's end
      let eol = s.indexOf("\n", p);
      if (eol < 0) eol = len;
      let h = 0,
        l = 0,
        i = p,
        c = 0;
      for (; i < eol; i++) {
        c = s.charCodeAt(i);
        const d = hex(c);
        if (d < 0) break;
        // the 64-bit value (h:l) shifted left by 4 bits
        h = ((h << 4) | (l >>> 28)) >>> 0;
        l = ((l << 4) | d) >>> 0;
      }
      const digits = i - p;
      p = eol + 1;
      if (digits === 0 || digits > 16 || c !== 0x20 || i + 2 >= eol) continue;
      if (!isText(s.charCodeAt(i + 1)) || s.charCodeAt(i + 2) !== 0x20) continue;
      if (h === 0 && l === 0) continue; // unprivileged readers see zeros: nothing to resolve with
      const name = i + 3;
      if (tab < name) {
        tab = s.indexOf("\t", name);
        if (tab < 0) tab = len;
      }
      if (n === off.length) {
        const o2 = new Float64Array(2 * n);
        o2.set(off);
        off = o2;
        const s2 = new Uint32Array(4 * n);
        s2.set(spans);
        spans = s2;
      }
      if (bh < 0) {
        bh = h;
        bl = l;
      }
      // exact as a double while the addresses span less than 2^53
      off[n] = (h - bh) * 4294967296 + (l - bl);
      spans[2 * n] = name;
      spans[2 * n + 1] = tab < eol ? tab : eol;
      n++;
    }
    return new KernelSymbols(n > 0 ? (BigInt(bh) << 32n) | BigInt(bl) : 0n, ...sortByAddress(off, spans, n), s);
  }

  /** /proc/kallsyms of this machine. */
  static load(path = "/proc/kallsyms"): KernelSymbols {
    return KernelSymbols.parse(readFileSync(path, "utf8"));
  }

  get size(): number {
    return this.addr.length;
  }

  /** The function holding `addr` ("do_nanosleep", "ext4_read [ext4]"), or undefined below the first symbol. */
  lookup(addr: bigint): string | undefined {
    let name = this.cache.get(addr);
    if (name !== undefined) return name;
    const x = Number(addr - this.base);
    const a = this.addr;
    let lo = 0,
      hi = a.length - 1,
      k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! <= x) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (k < 0) return undefined;
    const s = this.text,
      start = this.spans[2 * k]!,
      end = this.spans[2 * k + 1]!;
    name = s.slice(start, end);
    if (s.charCodeAt(end) === 0x09) {
      // a module's symbol: "name [mod]"
      let eol = s.indexOf("\n", end);
      if (eol < 0) eol = s.length;
      name = `${name} ${s.slice(end + 1, eol).trim()}`;
    }
    this.cache.set(addr, name);
    return name;
  }
}

/**
 * The symbols in address order, stably. vmlinux's come first and sorted; modules' and BPF programs' (a few
 * thousand) follow in their own order: those are sorted apart and merged in.
 */
function sortByAddress(off: Float64Array, spans: Uint32Array, n: number): [Float64Array, Uint32Array] {
  let head = 1;
  while (head < n && off[head - 1]! <= off[head]!) head++;
  if (head >= n) return [off.slice(0, n), spans.slice(0, 2 * n)];
  const tail: number[] = [];
  for (let k = head; k < n; k++) tail.push(k);
  tail.sort((x, y) => off[x]! - off[y]! || x - y);
  const addr = new Float64Array(n);
  const out = new Uint32Array(2 * n);
  for (let k = 0, x = 0, y = 0; k < n; k++) {
    // on a tie the head's symbol first: it came earlier in the file
    const j = y >= tail.length || (x < head && off[x]! <= off[tail[y]!]!) ? x++ : tail[y++]!;
    addr[k] = off[j]!;
    out[2 * k] = spans[2 * j]!;
    out[2 * k + 1] = spans[2 * j + 1]!;
  }
  return [addr, out];
}

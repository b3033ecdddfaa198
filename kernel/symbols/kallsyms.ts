// Kernel symbols from /proc/kallsyms (root sees real addresses), read once per capture: the function holding
// a kernel address, with its module when it is not in vmlinux.

import { readFileSync } from "node:fs";

/** Text symbols only: t/T (code), w/W (weak code). */
const TEXT = new Set(["t", "T", "w", "W"]);

export class KernelSymbols {
  /** Lowest symbol address: the others are stored as offsets from it (kernel addresses pass 2^53). */
  private readonly base: bigint;
  private readonly addr: Float64Array;
  private readonly names: string[];
  private readonly cache = new Map<bigint, string>();

  private constructor(base: bigint, addr: Float64Array, names: string[]) {
    this.base = base;
    this.addr = addr;
    this.names = names;
  }

  /** Parses kallsyms text ("ffffffff81000000 T _stext", "ffffffffc0a01000 t foo\t[mod]"). */
  static parse(text: string): KernelSymbols {
    const rows: { a: bigint; n: string }[] = [];
    for (const line of text.split("\n")) {
      const s1 = line.indexOf(" ");
      const s2 = line.indexOf(" ", s1 + 1);
      if (s1 <= 0 || s2 < 0 || !TEXT.has(line.slice(s1 + 1, s2))) continue;
      const a = BigInt("0x" + line.slice(0, s1));
      if (a === 0n) continue; // unprivileged readers see zeros: nothing to resolve with
      const rest = line.slice(s2 + 1);
      const tab = rest.indexOf("\t");
      const name = tab < 0 ? rest : `${rest.slice(0, tab)} ${rest.slice(tab + 1).trim()}`;
      rows.push({ a, n: name });
    }
    rows.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
    const base = rows[0]?.a ?? 0n;
    return new KernelSymbols(
      base,
      Float64Array.from(rows, (r) => Number(r.a - base)),
      rows.map((r) => r.n),
    );
  }

  /** /proc/kallsyms of this machine. */
  static load(path = "/proc/kallsyms"): KernelSymbols {
    return KernelSymbols.parse(readFileSync(path, "utf8"));
  }

  get size(): number {
    return this.names.length;
  }

  /** The function holding `addr` ("do_nanosleep", "ext4_read [ext4]"), or undefined below the first symbol. */
  lookup(addr: bigint): string | undefined {
    let name = this.cache.get(addr);
    if (name !== undefined) return name;
    if (addr < this.base) return undefined;
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
    name = this.names[k]!;
    this.cache.set(addr, name);
    return name;
  }
}

// Seeded pseudo-random numbers for detectors: xoshiro128** seeded through splitmix32, so a seed gives the same
// forest on every machine and Node version (Math.random cannot be seeded).

/** A small deterministic generator; `seed` is any integer (negative and fractional parts are folded in). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed (0, 1, 2, ...) over the 128-bit state; an all-zero state would stick at 0.
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias. */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextU32();
    while (x >= limit);
    return x % n;
  }

  /** Standard normal draw (Box–Muller), for synthetic data and weight initialisation. */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * `k` distinct integers from [0, n) in random order (Floyd's algorithm: O(k) memory, so drawing 256 rows
   * from a million does not allocate a million-entry index).
   */
  sampleWithoutReplacement(n: number, k: number, out: Int32Array = new Int32Array(k)): Int32Array {
    if (k > n) throw new RangeError(`cannot draw ${k} distinct values from ${n}`);
    if (k * 4 > n) {
      // Dense case: a partial Fisher–Yates over an index array is cheaper than a hash set.
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + this.int(n - i);
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
        out[i] = idx[i]!;
      }
      return out;
    }
    const seen = new Set<number>();
    let m = 0;
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      const v = seen.has(t) ? j : t;
      seen.add(v);
      out[m++] = v;
    }
    // Floyd's draw is a uniform subset but not a uniformly ordered one; shuffle so order carries no bias.
    for (let i = k - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// The count tables of a Witten-Bell n-gram model of calls, grown one call at a time: the batch model
// (ngram-model.ts) fills them from its training traces, the streaming detector (online/streaming-ngram.ts) from
// each interval that did not alert, halving them when they outgrow their cap.

import { gramKey } from "./sequence-detector.js";

/**
 * Per order k (context length k-1): counts of (context + call) and of context, and the distinct calls seen after
 * each context, plus the unigram counts. Calls are vocabulary ids (0: padding before a trace, 1: unseen).
 */
export class NgramCounts {
  private grams: Map<string, number>[] = [];
  private contexts: Map<string, number>[] = [];
  private followers: Map<string, number>[] = [];
  private unigram: number[] = [];
  private total = 0;

  constructor(readonly n: number) {
    for (let k = 0; k <= n; k++) {
      this.grams.push(new Map());
      this.contexts.push(new Map());
      this.followers.push(new Map());
    }
  }

  /** Calls counted. */
  get calls(): number {
    return this.total;
  }

  /** Entries of the n-gram tables (orders 2..n), what the memory grows with. */
  get entries(): number {
    let e = 0;
    for (let k = 2; k <= this.n; k++) e += this.grams[k]!.size;
    return e;
  }

  /** Counts the call at position i of t, with its contexts (positions before 0 are padding). */
  add(t: Int32Array, i: number): void {
    const w = t[i]!;
    this.unigram[w] = (this.unigram[w] ?? 0) + 1;
    this.total++;
    for (let k = 2; k <= this.n; k++) {
      const g = gramKey(t, i, k);
      const c = gramKey(t, i - 1, k - 1);
      const before = this.grams[k]!.get(g) ?? 0;
      this.grams[k]!.set(g, before + 1);
      this.contexts[k]!.set(c, (this.contexts[k]!.get(c) ?? 0) + 1);
      if (before === 0) this.followers[k]!.set(c, (this.followers[k]!.get(c) ?? 0) + 1);
    }
  }

  /** Whether the full n-gram ending at position i of t was ever counted. */
  seen(t: Int32Array, i: number): boolean {
    return this.n < 2 ? (this.unigram[t[i]!] ?? 0) > 0 : this.grams[this.n]!.has(gramKey(t, i, this.n));
  }

  /**
   * P_WB(w | h) = (C(h w) + T(h) · P_WB(w | h')) / (C(h) + T(h)), backing off to shorter contexts down to the
   * add-one unigram (C(w) + 1) / (N + V); `vocabulary` is V (the known calls plus one unseen call).
   */
  prob(t: Int32Array, i: number, vocabulary: number): number {
    const w = t[i]!;
    let p = ((w === 1 ? 0 : (this.unigram[w] ?? 0)) + 1) / (this.total + vocabulary);
    for (let k = 2; k <= this.n; k++) {
      const c = gramKey(t, i - 1, k - 1);
      const ch = this.contexts[k]!.get(c) ?? 0;
      if (ch === 0) continue;
      const th = this.followers[k]!.get(c)!;
      const chw = this.grams[k]!.get(gramKey(t, i, k)) ?? 0;
      p = (chw + th * p) / (ch + th);
    }
    return p;
  }

  /**
   * Halves every count (rounding down, so what was seen once is forgotten) and rebuilds the context tables from
   * what is left: the memory a cap allows, kept for the frequent n-grams and the recent past.
   */
  halve(): void {
    this.total = 0;
    this.unigram = this.unigram.map((c) => {
      const h = Math.floor((c ?? 0) / 2);
      this.total += h;
      return h;
    });
    for (let k = 2; k <= this.n; k++) {
      const grams = new Map<string, number>();
      const contexts = new Map<string, number>();
      const followers = new Map<string, number>();
      for (const [g, c] of this.grams[k]!) {
        const h = c >> 1;
        if (h === 0) continue;
        grams.set(g, h);
        // a gram's key is its context's key followed by the call (one code unit each: gramKey)
        const ctx = g.slice(0, -1);
        contexts.set(ctx, (contexts.get(ctx) ?? 0) + h);
        followers.set(ctx, (followers.get(ctx) ?? 0) + 1);
      }
      this.grams[k] = grams;
      this.contexts[k] = contexts;
      this.followers[k] = followers;
    }
  }
}

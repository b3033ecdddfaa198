// A smoothed n-gram language model of calls: interpolated Witten-Bell estimates of P(call | the n-1 calls before
// it), backing off to shorter contexts down to an add-one unigram; each call scores its negative log-likelihood.

import { OptionError } from "../../errors.js";
import { BaseSequenceDetector, CallTrace, gramKey, SequenceOptions } from "./sequence-detector.js";

export interface NgramOptions extends SequenceOptions {
  /** Model order: the call and the n-1 before it (default 3). */
  n?: number;
}

/**
 * P_WB(w | h) = (C(h w) + T(h) · P_WB(w | h')) / (C(h) + T(h)), where T(h) is the number of distinct calls seen
 * after context h and h' drops h's oldest call; a context never seen backs off entirely. The unigram base is
 * (C(w) + 1) / (N + V), where V counts the training vocabulary plus one unseen call. Scores are −ln P.
 * scripts/sequence-reference.py computes the same independently.
 * @example new NgramModel({ n: 3 }).fit(normalTraces).scoreCalls(trace)
 */
export class NgramModel extends BaseSequenceDetector {
  readonly name = "ngram";
  readonly n: number;
  /** Per order k (context length k-1): counts of (context + call) and of context, distinct followers per context. */
  private grams: Map<string, number>[] = [];
  private contexts: Map<string, number>[] = [];
  private followers: Map<string, number>[] = [];
  private unigram = new Float64Array(0);
  private total = 0;

  constructor(opts: NgramOptions = {}) {
    super(opts);
    this.n = opts.n ?? 3;
    if (!Number.isInteger(this.n) || this.n < 1)
      throw new OptionError(`ngram: n must be ≥ 1, got ${opts.n}`, "default 3");
  }

  protected fitEncoded(traces: Int32Array[]): void {
    this.grams = [];
    this.contexts = [];
    this.followers = [];
    for (let k = 0; k <= this.n; k++) {
      this.grams.push(new Map());
      this.contexts.push(new Map());
      this.followers.push(new Map());
    }
    this.unigram = new Float64Array(this.vocab.size);
    this.total = 0;
    for (const t of traces) {
      for (let i = 0; i < t.length; i++) {
        this.unigram[t[i]!]!++;
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
    }
  }

  /** P(call at i | its context) by Witten-Bell interpolation. */
  private prob(t: Int32Array, i: number): number {
    const w = t[i]!;
    // V: the training vocabulary (ids ≥ 2) plus one unseen call
    const v = this.vocab.size - 1;
    let p = ((w === 1 ? 0 : this.unigram[w]!) + 1) / (this.total + v);
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

  protected scoreEncoded(t: Int32Array): Float64Array {
    const out = new Float64Array(t.length);
    for (let i = 0; i < t.length; i++) out[i] = -Math.log(this.prob(t, i));
    return out;
  }

  protected contextLength(): number {
    return this.n;
  }

  protected why(t: CallTrace, p: number, score: number): string {
    const before = t.slice(Math.max(0, p - this.n + 1), p).map(String);
    return `p = ${Math.exp(-score).toExponential(2)} for ${String(t[p])}${before.length ? ` after ${before.join(",")}` : ""}`;
  }
}

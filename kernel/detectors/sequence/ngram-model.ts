// A smoothed n-gram language model of calls: interpolated Witten-Bell estimates of P(call | the n-1 calls before
// it), backing off to shorter contexts down to an add-one unigram; each call scores its negative log-likelihood.

import { OptionError } from "../../errors.js";
import { NgramCounts } from "./ngram-counts.js";
import { BaseSequenceDetector, CallTrace, SequenceOptions } from "./sequence-detector.js";

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
  private counts: NgramCounts;

  constructor(opts: NgramOptions = {}) {
    super(opts);
    this.n = opts.n ?? 3;
    if (!Number.isInteger(this.n) || this.n < 1)
      throw new OptionError(`ngram: n must be ≥ 1, got ${opts.n}`, "default 3");
    this.counts = new NgramCounts(this.n);
  }

  protected fitEncoded(traces: Int32Array[]): void {
    this.counts = new NgramCounts(this.n);
    for (const t of traces) for (let i = 0; i < t.length; i++) this.counts.add(t, i);
  }

  protected scoreEncoded(t: Int32Array): Float64Array {
    const out = new Float64Array(t.length);
    // V: the training vocabulary (ids ≥ 2) plus one unseen call
    const v = this.vocab.size - 1;
    for (let i = 0; i < t.length; i++) out[i] = -Math.log(this.counts.prob(t, i, v));
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

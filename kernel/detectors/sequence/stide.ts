// STIDE (Forrest et al. 1996, Warrender et al. 1999): the set of every length-n window of the normal traces; a
// window never seen is a mismatch, and a trace scores by its locality frame count (Hofmeyr et al. 1998).

import { OptionError } from "../../errors.js";
import { BaseSequenceDetector, CallTrace, gramKey, SequenceOptions } from "./sequence-detector.js";

export interface StideOptions extends SequenceOptions {
  /** Window length (default 6, as in Warrender et al.). */
  n?: number;
}

/**
 * Each call scores 1 when the window of `n` calls ending at it (padded before the trace's start) was never seen in
 * training, else 0; a trace's score is the largest fraction of mismatches in any `frame` consecutive windows.
 * @example new Stide({ n: 6 }).fit(normalTraces).scoreTrace(trace)
 */
export class Stide extends BaseSequenceDetector {
  readonly name = "stide";
  readonly n: number;
  private db = new Set<string>();

  constructor(opts: StideOptions = {}) {
    super(opts);
    this.n = opts.n ?? 6;
    if (!Number.isInteger(this.n) || this.n < 1)
      throw new OptionError(`stide: n must be ≥ 1, got ${opts.n}`, "default 6");
  }

  /** Distinct windows learnt. */
  get size(): number {
    return this.db.size;
  }

  protected fitEncoded(traces: Int32Array[]): void {
    this.db = new Set();
    for (const t of traces) for (let i = 0; i < t.length; i++) this.db.add(gramKey(t, i, this.n));
  }

  protected scoreEncoded(t: Int32Array): Float64Array {
    const out = new Float64Array(t.length);
    for (let i = 0; i < t.length; i++) out[i] = this.db.has(gramKey(t, i, this.n)) ? 0 : 1;
    return out;
  }

  protected contextLength(): number {
    return this.n;
  }

  protected why(_t: CallTrace, _p: number, score: number): string {
    return score > 0 ? `this ${this.n}-call window never occurs in the normal traces` : "seen in training";
  }
}

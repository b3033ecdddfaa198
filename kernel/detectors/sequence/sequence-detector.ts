// The detector interface for call sequences (syscalls per thread or per trace), beside the tabular one in
// ../detector.ts: fit on normal traces, a score per call, per trace and per stretch of calls, and explanations.

import { DetectorInputError, OptionError } from "../../errors.js";

/** A trace: the calls one thread (or one run of a program) made, in order, by name ("openat") or number. */
export type CallTrace = readonly (string | number)[];

/** Why a stretch of a trace scored high: the call and the calls before it, and how unexpected it was. */
export interface SequenceExplanation {
  /** Position of the call in the trace. */
  position: number;
  /** The call and up to `context` calls before it, oldest first. */
  context: string[];
  /** The call's own score (a mismatch, a negative log-likelihood). */
  score: number;
  /** In words: "n-gram never seen in training", "p = 1.2e-5 after read,write". */
  why: string;
}

/**
 * A detector of unusual call sequences. `fit` learns from normal traces only; `scoreCalls` gives each call of a
 * trace a score (higher = less expected; the first calls, without a full context, are scored with what they
 * have); `scoreTrace` is the highest mean call score over any `frame` consecutive calls (Hofmeyr's locality frame:
 * a short burst of anomalies in a long trace is not averaged away). Deterministic for a seed.
 */
export interface SequenceDetector {
  readonly name: string;
  readonly seed: number;
  fit(traces: readonly CallTrace[]): this;
  scoreCalls(trace: CallTrace): Float64Array;
  scoreTrace(trace: CallTrace): number;
  /** The `top` highest-scoring calls of the trace with their context. */
  explain(trace: CallTrace, top?: number): SequenceExplanation[];
}

export interface SequenceOptions {
  /** Seed of the detector's random choices (default 0). */
  seed?: number;
  /** Calls in the locality frame of trace scores (default 20). */
  frame?: number;
}

/** Calls as small integers; 0 is the padding before a trace starts, 1 any call not seen in training. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = ["<start>", "<unseen>"];

  get size(): number {
    return this.names.length;
  }

  /** Learns the calls of `traces` (training only). */
  learn(traces: readonly CallTrace[]): void {
    for (const t of traces) for (const c of t) this.idOf(String(c), true);
  }

  idOf(call: string, add = false): number {
    let id = this.ids.get(call);
    if (id === undefined) {
      if (!add) return 1;
      // an id is one code unit of an n-gram's key (gramKey)
      if (this.names.length > 0xffff)
        throw new DetectorInputError(`more than ${0xffff - 1} distinct calls`, "sequence models take system calls");
      id = this.names.length;
      this.names.push(call);
      this.ids.set(call, id);
    }
    return id;
  }

  encode(trace: CallTrace): Int32Array {
    const out = new Int32Array(trace.length);
    for (let i = 0; i < trace.length; i++) out[i] = this.idOf(String(trace[i]));
    return out;
  }
}

/** Vocabulary, checks, locality-frame trace scores and explanations; subclasses score encoded calls. */
export abstract class BaseSequenceDetector implements SequenceDetector {
  abstract readonly name: string;
  readonly seed: number;
  readonly frame: number;
  protected vocab = new Vocabulary();
  protected fitted = false;

  constructor(opts: SequenceOptions = {}) {
    this.seed = opts.seed ?? 0;
    this.frame = opts.frame ?? 20;
    if (!Number.isInteger(this.frame) || this.frame < 1) {
      throw new OptionError(`frame must be a whole number of calls ≥ 1, got ${opts.frame}`, "default 20");
    }
  }

  fit(traces: readonly CallTrace[]): this {
    if (!Array.isArray(traces) || traces.length === 0 || traces.every((t) => t.length === 0)) {
      throw new DetectorInputError(`${this.name}: fit needs at least one non-empty trace`, "pass normal traces");
    }
    this.vocab = new Vocabulary();
    this.vocab.learn(traces);
    this.fitEncoded(traces.map((t) => this.vocab.encode(t)));
    this.fitted = true;
    return this;
  }

  scoreCalls(trace: CallTrace): Float64Array {
    if (!this.fitted) throw new DetectorInputError(`${this.name}: score called before fit`, "call fit(traces) first");
    return this.scoreEncoded(this.vocab.encode(trace));
  }

  scoreTrace(trace: CallTrace): number {
    return frameMax(this.scoreCalls(trace), this.frame);
  }

  explain(trace: CallTrace, top = 5): SequenceExplanation[] {
    const s = this.scoreCalls(trace);
    const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]! || a - b);
    return order.slice(0, top).map((p) => ({
      position: p,
      context: trace.slice(Math.max(0, p - this.contextLength() + 1), p + 1).map(String),
      score: s[p]!,
      why: this.why(trace, p, s[p]!),
    }));
  }

  /** Calls shown before the explained one. */
  protected abstract contextLength(): number;
  protected abstract why(trace: CallTrace, position: number, score: number): string;
  protected abstract fitEncoded(traces: Int32Array[]): void;
  protected abstract scoreEncoded(trace: Int32Array): Float64Array;
}

/** The highest mean of `frame` consecutive values (all of them when fewer); 0 for an empty array. */
export function frameMax(s: Float64Array, frame: number): number {
  if (s.length === 0) return 0;
  const f = Math.min(frame, s.length);
  let sum = 0;
  for (let i = 0; i < f; i++) sum += s[i]!;
  let best = sum;
  for (let i = f; i < s.length; i++) {
    sum += s[i]! - s[i - f]!;
    if (sum > best) best = sum;
  }
  return best / f;
}

/**
 * The key of the n-gram ending at position i (ids padded with 0 before the trace): one UTF-16 code unit per id,
 * half the time of decimal text in the n-gram tables' hot loop (ids stay below 65,536: see Vocabulary).
 */
export function gramKey(t: Int32Array, i: number, n: number): string {
  let k = "";
  for (let j = i - n + 1; j <= i; j++) k += String.fromCharCode(j < 0 ? 0 : t[j]!);
  return k;
}

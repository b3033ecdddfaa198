// A neural language model of calls: a small GRU (tfjs, pure-JS CPU backend, seeded) predicts each call from the
// `window` calls before it; a call scores its negative log-likelihood. Training sees every distinct window of the
// normal traces once; scoring runs the trained weights in plain typed arrays over the same windows.

import type * as TfCore from "@tensorflow/tfjs-core";
import type * as TfLayers from "@tensorflow/tfjs-layers";
import { OptionError } from "../../errors.js";
import { Rng } from "../rng.js";
import { BaseSequenceDetector, CallTrace, gramKey, SequenceOptions } from "./sequence-detector.js";

export interface GruOptions extends SequenceOptions {
  /** Calls of context before each predicted call, in training and scoring (default 6). */
  window?: number;
  /** GRU units (default 16). */
  units?: number;
  /** Passes over the training windows (default 12). */
  epochs?: number;
  /** Most distinct training windows (a seeded sample beyond that), to bound training time (default 4096). */
  maxTrainWindows?: number;
  batchSize?: number;
  learningRate?: number;
}

let tfCache: { tf: typeof TfCore; layers: typeof TfLayers } | undefined;

/** tfjs on first use, pinned to the deterministic pure-JS CPU backend (as lstm.ts does). */
function loadTf(): { tf: typeof TfCore; layers: typeof TfLayers } {
  if (!tfCache) {
    const tf = require("@tensorflow/tfjs-core") as typeof TfCore;
    require("@tensorflow/tfjs-backend-cpu");
    const layers = require("@tensorflow/tfjs-layers") as typeof TfLayers;
    tf.env().set("PROD", true);
    void tf.setBackend("cpu");
    tfCache = { tf, layers };
  }
  return tfCache;
}

/** The trained weights as plain arrays (tfjs' GRU layout: gates z, r, h along the last axis). */
interface Weights {
  kernel: Float32Array; // [V, 3H]
  recurrent: Float32Array; // [H, 3H]
  bias: Float32Array; // [3H]
  dense: Float32Array; // [H, V]
  denseBias: Float32Array; // [V]
}

/**
 * One-hot calls → GRU(units) → softmax over the vocabulary, trained with Adam on cross-entropy to predict the call
 * after a window of `window` calls (padded with the start symbol at a trace's start). The training set is every
 * distinct (window, next call) of the normal traces, each once, as STIDE's database holds each window once: a
 * rare normal stretch (start-up, shutdown) is learnt as well as the steady state, so it does not set a normal
 * trace's frame maximum. Scoring predicts each call from a fresh state over exactly the `window` calls before it,
 * the contexts training saw.
 * @example new GruLanguageModel({ seed: 1 }).fit(normalTraces).scoreTrace(trace)
 */
export class GruLanguageModel extends BaseSequenceDetector {
  readonly name = "lstm";
  readonly opts: Required<Omit<GruOptions, "seed" | "frame">>;
  private w?: Weights;

  constructor(opts: GruOptions = {}) {
    super(opts);
    this.opts = {
      window: opts.window ?? 6,
      units: opts.units ?? 16,
      epochs: opts.epochs ?? 12,
      maxTrainWindows: opts.maxTrainWindows ?? 4096,
      batchSize: opts.batchSize ?? 128,
      learningRate: opts.learningRate ?? 0.04,
    };
    for (const [k, v] of Object.entries(this.opts)) {
      if (!(v > 0) || (k !== "learningRate" && !Number.isInteger(v))) {
        throw new OptionError(`lstm (sequence): ${k} must be a positive number, got ${v}`, "use the defaults");
      }
    }
  }

  protected fitEncoded(traces: Int32Array[]): void {
    const { tf, layers } = loadTf();
    const { window: T, units: H, epochs, batchSize, learningRate, maxTrainWindows } = this.opts;
    const V = this.vocab.size;
    const windows = distinctWindows(traces, T, maxTrainWindows, new Rng(this.seed ^ 0x5eed));
    const count = windows.length;
    const x = new Float32Array(count * T * V);
    const y = new Float32Array(count * V);
    windows.forEach(([ti, i], s) => {
      const t = traces[ti]!;
      for (let j = 0; j < T; j++) {
        const p = i - T + j;
        x[(s * T + j) * V + (p < 0 ? 0 : t[p]!)] = 1;
      }
      y[s * V + t[i]!] = 1;
    });
    const model = layers.sequential();
    model.add(layers.layers.gru({ units: H, inputShape: [T, V], recurrentActivation: "sigmoid" }));
    model.add(layers.layers.dense({ units: V, activation: "softmax" }));
    // tfjs ignores its initialisers' seeds: Glorot-uniform kernels from bpflab's Rng, zero biases
    const rng = new Rng(this.seed);
    model.setWeights(
      model.getWeights().map((t) => {
        if (t.shape.length !== 2) return tf.zerosLike(t);
        const [fanIn, fanOut] = t.shape as [number, number];
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        return tf.tensor2d(
          Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.next() - 1) * limit),
          [fanIn, fanOut],
        );
      }),
    );
    const optimizer = tf.train.adam(learningRate);
    const xt = tf.tensor3d(x, [count, T, V]);
    const yt = tf.tensor2d(y, [count, V]);
    for (let e = 0; e < epochs; e++) {
      for (let b = 0; b < count; b += batchSize) {
        const size = Math.min(batchSize, count - b);
        tf.tidy(() => {
          const xb = tf.slice(xt, [b, 0, 0], [size, T, V]);
          const yb = tf.slice(yt, [b, 0], [size, V]);
          optimizer.minimize(() => {
            const p = model.apply(xb, { training: true }) as TfCore.Tensor;
            return tf.neg(tf.mean(tf.sum(tf.mul(yb, tf.log(tf.add(p, 1e-7))), 1))) as TfCore.Scalar;
          });
        });
      }
    }
    xt.dispose();
    yt.dispose();
    optimizer.dispose();
    const [k, rk, bias, dk, db] = model.getWeights().map((t) => t.dataSync() as Float32Array);
    this.w = { kernel: k!, recurrent: rk!, bias: bias!, dense: dk!, denseBias: db! };
    this.tfModel?.dispose();
    this.tfModel = model;
    this.memo.clear();
  }

  /** Next-call probabilities per context key seen in scoring: traces repeat a few thousand contexts. */
  private readonly memo = new Map<string, Float64Array>();

  /** The tfjs model (tests compare the typed-array forward pass with it). */
  tfModel?: TfLayers.Sequential;

  /** Softmax probabilities of the next call after `context` (ids, oldest first) from a zero state. */
  predictNext(context: Int32Array): Float64Array {
    const h = new Float64Array(this.opts.units);
    for (const c of context) this.step(h, c);
    return Float64Array.from(this.output(h));
  }

  /** h ← GRU(h, one-hot(c)), tfjs' formulation: z, r gates; candidate from r ⊙ h; h = z ⊙ h + (1 − z) ⊙ hh. */
  private step(h: Float64Array, c: number): void {
    const { kernel, recurrent, bias } = this.w!;
    const H = this.opts.units,
      H3 = 3 * H;
    const { z, r, rh } = this.scratch();
    for (let u = 0; u < H; u++) {
      let az = kernel[c * H3 + u]! + bias[u]!,
        ar = kernel[c * H3 + H + u]! + bias[H + u]!;
      for (let j = 0; j < H; j++) {
        az += h[j]! * recurrent[j * H3 + u]!;
        ar += h[j]! * recurrent[j * H3 + H + u]!;
      }
      z[u] = 1 / (1 + Math.exp(-az));
      r[u] = 1 / (1 + Math.exp(-ar));
    }
    for (let j = 0; j < H; j++) rh[j] = r[j]! * h[j]!;
    for (let u = 0; u < H; u++) {
      let ah = kernel[c * H3 + 2 * H + u]! + bias[2 * H + u]!;
      for (let j = 0; j < H; j++) ah += rh[j]! * recurrent[j * H3 + 2 * H + u]!;
      const hh = Math.tanh(ah);
      h[u] = z[u]! * h[u]! + (1 - z[u]!) * hh;
    }
  }

  private buffers?: { z: Float64Array; r: Float64Array; rh: Float64Array; o: Float64Array };
  private scratch(): { z: Float64Array; r: Float64Array; rh: Float64Array; o: Float64Array } {
    const H = this.opts.units,
      V = this.vocab.size;
    if (!this.buffers || this.buffers.o.length !== V || this.buffers.z.length !== H) {
      this.buffers = {
        z: new Float64Array(H),
        r: new Float64Array(H),
        rh: new Float64Array(H),
        o: new Float64Array(V),
      };
    }
    return this.buffers;
  }

  /** The softmax over the vocabulary from state h (a buffer reused by the next call: copy what you keep). */
  private output(h: Float64Array): Float64Array {
    const { dense, denseBias } = this.w!;
    const V = this.vocab.size,
      H = this.opts.units;
    const o = this.scratch().o;
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      let a = denseBias[v]!;
      for (let j = 0; j < H; j++) a += h[j]! * dense[j * V + v]!;
      o[v] = a;
      if (a > max) max = a;
    }
    let s = 0;
    for (let v = 0; v < V; v++) s += o[v] = Math.exp(o[v]! - max);
    for (let v = 0; v < V; v++) o[v]! /= s;
    return o;
  }

  protected scoreEncoded(t: Int32Array): Float64Array {
    const T = this.opts.window;
    const out = new Float64Array(t.length);
    const context = new Int32Array(T);
    for (let i = 0; i < t.length; i++) {
      for (let j = 0; j < T; j++) context[j] = i - T + j < 0 ? 0 : t[i - T + j]!;
      const key = context.join(",");
      let p = this.memo.get(key);
      if (!p) {
        p = this.predictNext(context);
        // a bound on memory when a long-lived (online) detector meets many contexts
        if (this.memo.size >= 65_536) this.memo.clear();
        this.memo.set(key, p);
      }
      out[i] = -Math.log(Math.max(p[t[i]!]!, 1e-12));
    }
    return out;
  }

  /** The call and the whole window the model predicted it from. */
  protected contextLength(): number {
    return this.opts.window + 1;
  }

  protected why(t: CallTrace, p: number, score: number): string {
    return `the model gave ${String(t[p])} p = ${Math.exp(-score).toExponential(2)} after the ${this.opts.window} calls before`;
  }
}

/**
 * [trace, position] of the first occurrence of each distinct window (the `T` calls before a position, padded
 * with 0, and the call there), in a seeded random order (Adam's batches should mix programs); beyond `max`, the
 * first `max` of that order.
 */
export function distinctWindows(traces: Int32Array[], T: number, max: number, rng: Rng): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  traces.forEach((t, ti) => {
    for (let i = 0; i < t.length; i++) {
      const key = gramKey(t, i, T + 1);
      if (!seen.has(key)) {
        seen.add(key);
        out.push([ti, i]);
      }
    }
  });
  // Fisher-Yates with bpflab's seeded generator
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, max);
}

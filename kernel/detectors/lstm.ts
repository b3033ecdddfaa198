// LSTM forecaster-residual detector for time series (@tensorflow/tfjs on its pure-JS CPU backend): a small LSTM
// learns to predict the next row from the previous `window` rows; the score is the size of its miss.

import type * as TfCore from "@tensorflow/tfjs-core";
import type * as TfLayers from "@tensorflow/tfjs-layers";
import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import type { Contributions, Explainable } from "./contributions.js";
import { Matrix, MatrixInput, toMatrix } from "./matrix.js";
import { Rng } from "./rng.js";

export interface LstmOptions extends CommonOptions {
  /** Past rows the model sees per prediction (default 16). */
  window?: number;
  /** LSTM units (default 16). */
  units?: number;
  /** Passes over the training windows (default 5). */
  epochs?: number;
  /** Most training windows drawn (evenly spaced) from the series, to bound training time (default 512). */
  maxTrainWindows?: number;
  batchSize?: number;
  learningRate?: number;
}

let tfCache: { tf: typeof TfCore; layers: typeof TfLayers } | undefined;

/** Loads tfjs on first use (it costs ~1 s) and pins the deterministic pure-JS CPU backend. */
function loadTf(): { tf: typeof TfCore; layers: typeof TfLayers } {
  if (!tfCache) {
    const tf = require("@tensorflow/tfjs-core") as typeof TfCore;
    require("@tensorflow/tfjs-backend-cpu");
    const layers = require("@tensorflow/tfjs-layers") as typeof TfLayers;
    // PROD silences tfjs' console banner recommending the native backend, which bpflab deliberately does not use.
    tf.env().set("PROD", true);
    tf.setBackend("cpu");
    tfCache = { tf, layers };
  }
  return tfCache;
}

/**
 * Expects a 1-D series or a matrix whose rows are ordered by time. Columns are standardised with the training mean
 * and standard deviation; the model (LSTM → dense) predicts row t from rows t−window … t−1 and the score of row t is
 * the Euclidean norm of the standardised prediction error. The first `window` rows have no prediction and score 0.
 * Initial kernels drawn from bpflab's seeded Rng and an unshuffled, synchronous training loop (optimizer.minimize
 * on the CPU backend) make results repeatable for a seed. Training takes a few seconds on one core (tfjs' CPU
 * backend costs ~0.2 s per batch of 128 windows); scoring runs the trained weights in plain typed arrays.
 */
export class Lstm extends BaseDetector implements Explainable {
  readonly name = "lstm";
  readonly opts: Required<Omit<LstmOptions, "seed">>;
  private mean: Float64Array = new Float64Array(0);
  private std: Float64Array = new Float64Array(0);
  private model?: TfLayers.Sequential;

  constructor(opts: LstmOptions = {}) {
    super(opts);
    this.opts = {
      window: opts.window ?? 16,
      units: opts.units ?? 16,
      epochs: opts.epochs ?? 5,
      maxTrainWindows: opts.maxTrainWindows ?? 512,
      batchSize: opts.batchSize ?? 128,
      learningRate: opts.learningRate ?? 0.01,
    };
    for (const [k, v] of Object.entries(this.opts)) {
      if (!(v > 0) || (k !== "learningRate" && !Number.isInteger(v))) {
        throw new OptionError(
          `lstm: ${k} must be a positive ${k === "learningRate" ? "number" : "integer"}, got ${v}`,
          "use the defaults unless training is too slow or too poor",
        );
      }
    }
    this.minRows = this.opts.window + 2;
  }

  protected fitMatrix(m: Matrix): void {
    const { tf, layers } = loadTf();
    const { window: w, units, epochs, batchSize, learningRate, maxTrainWindows } = this.opts;
    const d = m.cols;
    this.mean = new Float64Array(d);
    this.std = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < m.rows; r++) s += m.data[r * d + j]!;
      const mu = s / m.rows;
      let v = 0;
      for (let r = 0; r < m.rows; r++) v += (m.data[r * d + j]! - mu) ** 2;
      this.mean[j] = mu;
      this.std[j] = Math.sqrt(v / m.rows) || 1;
    }
    const total = m.rows - w;
    const count = Math.min(total, maxTrainWindows);
    const targets = Array.from({ length: count }, (_, i) => w + Math.floor((i * total) / count));
    const { x, y } = this.windows(m, targets);
    this.model?.dispose();
    const model = layers.sequential();
    model.add(layers.layers.lstm({ units, inputShape: [w, d], recurrentActivation: "sigmoid" }));
    model.add(layers.layers.dense({ units: d }));
    // tfjs 3 ignores the seed of its uniform initialisers, so draw Glorot-uniform kernels from our own Rng; biases
    // keep their deterministic defaults (zeros, forget-gate bias 1).
    const rng = new Rng(this.seed);
    model.setWeights(
      model.getWeights().map((t) => {
        if (t.shape.length !== 2) return t.clone();
        const [fanIn, fanOut] = t.shape as [number, number];
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        return tf.tensor2d(
          Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.next() - 1) * limit),
          [fanIn, fanOut],
        );
      }),
    );
    const optimizer = tf.train.adam(learningRate);
    const xt = tf.tensor3d(x, [count, w, d]);
    const yt = tf.tensor2d(y, [count, d]);
    for (let e = 0; e < epochs; e++) {
      for (let b = 0; b < count; b += batchSize) {
        const size = Math.min(batchSize, count - b);
        tf.tidy(() => {
          const xb = tf.slice(xt, [b, 0, 0], [size, w, d]);
          const yb = tf.slice(yt, [b, 0], [size, d]);
          optimizer.minimize(
            () => tf.mean(tf.square(tf.sub(model.apply(xb, { training: true }) as TfCore.Tensor, yb))) as TfCore.Scalar,
          );
        });
      }
    }
    xt.dispose();
    yt.dispose();
    optimizer.dispose();
    this.model = model;
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const out = new Float64Array(m.rows);
    const weights = this.weights();
    for (let t = this.opts.window; t < m.rows; t++) {
      let err = 0;
      for (const e of this.errorsAt(m, t, weights)) err += e * e;
      out[t] = Math.sqrt(err);
    }
    return out;
  }

  /**
   * (standardised prediction error)² / score per feature at row `row` of the series X, so the values sum to the
   * row's score (the error's Euclidean norm); the first `window` rows have no prediction and get zeros.
   */
  contributions(X: MatrixInput, row: number): Contributions {
    const m = this.checked(toMatrix(X));
    const values = new Float64Array(m.cols);
    if (row >= this.opts.window) {
      const e = this.errorsAt(m, row, this.weights());
      const score = Math.sqrt(e.reduce((a, v) => a + v * v, 0));
      for (let j = 0; j < m.cols; j++) values[j] = score > 0 ? (e[j]! * e[j]!) / score : 0;
    }
    return { values, combine: "sum", method: "(standardised prediction error)² ÷ score" };
  }

  private weights(): Float32Array[] {
    return this.model!.getWeights().map((t) => t.dataSync() as Float32Array);
  }

  /** Standardised prediction errors of row t from rows t − window … t − 1. */
  private errorsAt(m: Matrix, t: number, weights: Float32Array[]): Float64Array {
    // Inference runs on the trained weights in plain typed arrays: tfjs' CPU backend spends ~1 ms per window in op
    // overhead, this loop ~20 µs. Keras gate order i, f, c, o; sigmoid gates (set at build), tanh cell.
    const [kernel, recurrent, bias, dense, denseBias] = weights;
    const { window: w, units: u } = this.opts;
    const d = m.cols;
    const h = new Float64Array(u);
    const c = new Float64Array(u);
    const z = new Float64Array(4 * u);
    const xs = new Float64Array(d);
    for (let s = t - w; s < t; s++) {
      for (let j = 0; j < d; j++) xs[j] = (m.data[s * d + j]! - this.mean[j]!) / this.std[j]!;
      for (let g = 0; g < 4 * u; g++) {
        let a = bias![g]!;
        for (let j = 0; j < d; j++) a += xs[j]! * kernel![j * 4 * u + g]!;
        for (let j = 0; j < u; j++) a += h[j]! * recurrent![j * 4 * u + g]!;
        z[g] = a;
      }
      for (let j = 0; j < u; j++) {
        const i = sigmoid(z[j]!);
        const f = sigmoid(z[u + j]!);
        const g = Math.tanh(z[2 * u + j]!);
        const o = sigmoid(z[3 * u + j]!);
        c[j] = f * c[j]! + i * g;
        h[j] = o * Math.tanh(c[j]!);
      }
    }
    const err = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let p = denseBias![j]!;
      for (let k = 0; k < u; k++) p += h[k]! * dense![k * d + j]!;
      err[j] = (m.data[t * d + j]! - this.mean[j]!) / this.std[j]! - p;
    }
    return err;
  }

  /** Standardised input windows (n × window × d) and targets (n × d) for the given target rows. */
  private windows(m: Matrix, targets: number[]): { x: Float32Array; y: Float32Array } {
    const { window: w } = this.opts;
    const d = m.cols;
    const x = new Float32Array(targets.length * w * d);
    const y = new Float32Array(targets.length * d);
    targets.forEach((t, i) => {
      for (let s = 0; s < w; s++) {
        for (let j = 0; j < d; j++)
          x[(i * w + s) * d + j] = (m.data[(t - w + s) * d + j]! - this.mean[j]!) / this.std[j]!;
      }
      for (let j = 0; j < d; j++) y[i * d + j] = (m.data[t * d + j]! - this.mean[j]!) / this.std[j]!;
    });
    return { x, y };
  }

  /** Frees the model's tensors; the detector must be fitted again before use. */
  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

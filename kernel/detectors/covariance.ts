// Column means, population scales and the covariance of the standardised columns in one pass over a row-major
// matrix: what PCA needs (StandardScaler followed by PCA's covariance), without copying the input.

import { Matrix } from "./matrix.js";

export interface StandardisedCovariance {
  mean: Float64Array;
  /** Population standard deviation per column (1 for a (near-)constant column, as StandardScaler). */
  scale: Float64Array;
  /** d×d covariance of the standardised columns (ddof = 1, as scikit-learn's explained_variance_), row-major. */
  cov: Float64Array;
}

/** One pass over the rows of `m`; cost O(n d²), memory O(d²) beyond a 256-row block. */
export function standardisedCovariance(m: Matrix): StandardisedCovariance {
  const { rows: n, cols: d, data } = m;
  // Co-moments of x − shift, with the shift = mean of the first rows, so large offsets (ns counters near 1e9 with
  // small spread) do not cancel catastrophically as raw moments would.
  const shift = new Float64Array(d);
  const head = Math.min(n, 1024);
  for (let r = 0, k = 0; r < head; r++) for (let j = 0; j < d; j++) shift[j]! += data[k++]!;
  for (let j = 0; j < d; j++) shift[j]! /= head;
  const sum = new Float64Array(d);
  const cov = new Float64Array(d * d);
  // Blocks of rows transposed to column-major, then each (i, j) co-moment as a dot product with four running sums:
  // independent add chains instead of a load-add-store on cov per row; about 2× faster than the row-wise form.
  const BS = 256;
  const col = new Float64Array(BS * d);
  for (let r0 = 0; r0 < n; r0 += BS) {
    const b = Math.min(BS, n - r0);
    for (let r = 0; r < b; r++) {
      const base = (r0 + r) * d;
      for (let j = 0; j < d; j++) {
        const v = data[base + j]! - shift[j]!;
        col[j * BS + r] = v;
        sum[j]! += v;
      }
    }
    for (let i = 0; i < d; i++) {
      const ci = i * BS;
      for (let j = i; j < d; j++) {
        const cj = j * BS;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let r = 0;
        for (; r + 3 < b; r += 4) {
          a0 += col[ci + r]! * col[cj + r]!;
          a1 += col[ci + r + 1]! * col[cj + r + 1]!;
          a2 += col[ci + r + 2]! * col[cj + r + 2]!;
          a3 += col[ci + r + 3]! * col[cj + r + 3]!;
        }
        for (; r < b; r++) a0 += col[ci + r]! * col[cj + r]!;
        cov[i * d + j]! += a0 + a1 + a2 + a3;
      }
    }
  }
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const mu = sum[j]! / n;
    mean[j] = shift[j]! + mu;
    // Population variance, as StandardScaler; its _handle_zeros_in_scale: a (near-)zero spread means "do not scale".
    const s = Math.sqrt(Math.max(0, cov[j * d + j]! / n - mu * mu));
    scale[j] = s < 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j]!)) ? 1 : s;
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const mi = sum[i]! / n;
      const mj = sum[j]! / n;
      const v = (cov[i * d + j]! - n * mi * mj) / (n - 1) / (scale[i]! * scale[j]!);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { mean, scale, cov };
}

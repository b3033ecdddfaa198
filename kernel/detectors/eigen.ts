// Symmetric eigendecomposition by cyclic Jacobi rotations: exact to rounding for the small d×d covariance
// matrices PCA needs (d = number of features), with no dependency and no per-call allocation beyond d².

/**
 * Eigenvalues (descending) and unit eigenvectors of a symmetric d×d matrix `a` (row-major, not modified).
 * `vectors[i * d + j]` is component j of eigenvector i. Cost O(d³) per sweep, a handful of sweeps.
 */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < d; p++) {
      diag += m[p * d + p]! * m[p * d + p]!;
      for (let q = p + 1; q < d; q++) off += m[p * d + q]! * m[p * d + q]!;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!;
        if (apq === 0) continue;
        const app = m[p * d + p]!;
        const aqq = m[q * d + q]!;
        // Rotation angle that zeroes m[p][q] (Numerical Recipes' stable form).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p]!;
          const mkq = m[k * d + q]!;
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k]!;
          const mqk = m[q * d + k]!;
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vpk = v[p * d + k]!;
          const vqk = v[q * d + k]!;
          v[p * d + k] = c * vpk - s * vqk;
          v[q * d + k] = s * vpk + c * vqk;
        }
      }
    }
  }
  const order = [...Array(d).keys()].sort((i, j) => m[j * d + j]! - m[i * d + i]!);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, i) => {
    values[i] = m[src * d + src]!;
    vectors.set(v.subarray(src * d, src * d + d), i * d);
  });
  return { values, vectors };
}

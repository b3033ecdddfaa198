// Levels held over several windows: a process busy for one window is a burst, one busy for three in a row is
// a hog. Adds, per pid, the least value of chosen columns over its last few windows.

import type { Features } from "./features.js";

/**
 * Appends `sustained_<column>` = the smallest value of `column` over the entity's window and its `span − 1`
 * previous ones (missing until it has them, or when any of them is missing). Features by pid with one row per
 * (window, pid), as fillSilence leaves them.
 */
export function addSustained(f: Features, columns: readonly string[], span = 3): Features {
  const src = columns.map((c) => f.matrix.columns.indexOf(c)).filter((j) => j >= 0);
  if (!src.length || !f.keys.has("pid") || f.keys.has("tid")) return f;
  const { rows: n, cols: d } = f.matrix;
  const e = src.length;
  const pid = f.keys.numeric("pid");
  const w = f.keys.numeric("t_s").map((t) => Math.round(t / f.windowS));
  const byPid = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    let list = byPid.get(pid[r]!);
    if (!list) byPid.set(pid[r]!, (list = []));
    list.push(r);
  }
  const extra = new Float64Array(n * e);
  const extraMissing = new Uint8Array(n * e).fill(1);
  for (const rows of byPid.values()) {
    rows.sort((a, b) => w[a]! - w[b]!);
    for (let k = span - 1; k < rows.length; k++) {
      const r = rows[k]!;
      if (w[r]! - w[rows[k - span + 1]!]! !== span - 1) continue; // a gap: not consecutive windows
      src.forEach((j, q) => {
        let min = Infinity;
        for (let i = k - span + 1; i <= k; i++) {
          const x = rows[i]!;
          if (f.missing?.[x * d + j]) return;
          min = Math.min(min, f.matrix.data[x * d + j]!);
        }
        extra[r * e + q] = min;
        extraMissing[r * e + q] = 0;
      });
    }
  }
  const cols = d + e;
  const data = new Float64Array(n * cols);
  const missing = new Uint8Array(n * cols);
  for (let r = 0; r < n; r++) {
    data.set(f.matrix.data.subarray(r * d, (r + 1) * d), r * cols);
    data.set(extra.subarray(r * e, (r + 1) * e), r * cols + d);
    if (f.missing) missing.set(f.missing.subarray(r * d, (r + 1) * d), r * cols);
    missing.set(extraMissing.subarray(r * e, (r + 1) * e), r * cols + d);
  }
  const names = src.map((j) => `sustained_${f.matrix.columns[j]!}`);
  return {
    ...f,
    matrix: { data, rows: n, cols, columns: [...f.matrix.columns, ...names] },
    missing,
    ...(f.sources ? { sources: [...f.sources, ...src.map(() => "sustained")] } : {}),
  };
}

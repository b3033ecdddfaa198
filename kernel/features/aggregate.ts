// One frame's rows folded into (window, entity) feature cells as its collector declares them (sum, max, min, mean,
// last, ratios, per-value breakdowns, event counts), remembering which cells no row measured.

import type { FeatureAgg, FeatureDecl } from "../collectors/feature-decl.js";
import { bucketQuantile, histBelowNs } from "../collectors/histogram.js";
import { Frame, isStringColumn } from "../frame/frame.js";
import { GrowColumn } from "./row-index.js";

/** One feature being accumulated: its values, how many rows fed each cell, and (for "last") the newest time. */
export class FeatureAcc {
  readonly value = new GrowColumn();
  readonly rows = new GrowColumn();
  private readonly at = new GrowColumn();

  constructor(
    readonly agg: FeatureAgg,
    readonly description?: string,
  ) {}

  add(row: number, v: number, t: number): void {
    const n = this.rows.get(row);
    this.rows.add(row, 1);
    switch (this.agg) {
      case "sum":
      case "mean":
        this.value.add(row, v);
        break;
      case "max":
        if (n === 0 || v > this.value.get(row)) this.value.set(row, v);
        break;
      case "min":
        if (n === 0 || v < this.value.get(row)) this.value.set(row, v);
        break;
      case "last":
        if (n === 0 || t >= this.at.get(row)) {
          this.value.set(row, v);
          this.at.set(row, t);
        }
    }
  }

  /** The cell's value; a sum with no row is a true 0, any other aggregate of no row is missing (NaN). */
  get(row: number): number {
    const n = this.rows.get(row);
    if (this.agg === "sum") return this.value.get(row);
    if (n === 0) return NaN;
    return this.agg === "mean" ? this.value.get(row) / n : this.value.get(row);
  }
}

/** A feature derived after aggregation: num / den, missing (NaN) where den is below minDen (default: where it is 0). */
export interface RatioFeature {
  name: string;
  num: string;
  den: string;
  minDen?: number;
  description?: string;
}

export interface FrameFeatures {
  accs: Map<string, FeatureAcc>;
  ratios: RatioFeature[];
}

/**
 * Folds `frame` into feature accumulators: `rowOf[i]` is the (window, entity) row of frame row i (−1: skip), and
 * `creditRow(column, i)` the row of the entity named by another column (a fork credited to its ppid). `named`
 * fixes a breakdown's values (so two captures get the same columns); otherwise the top ones by weight, plus by the
 * numerator of each breakdown ratio (the values that matter by time, not only by count: a slow fsync).
 */
export function aggregateFrame(
  frame: Frame,
  decl: FeatureDecl,
  prefix: string,
  rowOf: Int32Array,
  creditRow: (column: string, i: number) => number,
  named?: readonly string[],
): FrameFeatures {
  const accs = new Map<string, FeatureAcc>();
  const ratios: RatioFeature[] = [];
  const t = frame.numeric("t_s");
  const n = frame.length;
  const acc = (name: string, agg: FeatureAgg, description?: string): FeatureAcc => {
    let a = accs.get(name);
    if (!a) accs.set(name, (a = new FeatureAcc(agg, description)));
    return a;
  };
  for (const [col, spec] of Object.entries(decl.columns)) {
    if (!frame.has(col)) continue;
    const agg = typeof spec === "string" ? spec : spec.agg;
    const name = typeof spec === "string" ? `${prefix}${col}` : spec.name;
    const a = acc(name, agg, typeof spec === "string" ? undefined : spec.description);
    const v = frame.numeric(col);
    for (let i = 0; i < n; i++) if (rowOf[i]! >= 0) a.add(rowOf[i]!, v[i]!, t[i]!);
  }
  for (const r of decl.ratios ?? []) if (accs.has(r.num) && accs.has(r.den)) ratios.push(r);

  const b = decl.breakdown;
  if (b && frame.has(b.by) && frame.has(b.weight)) {
    const by = frame.column(b.by);
    if (isStringColumn(by)) {
      const values = named ?? topValues(frame, by.codes, by.dict, b);
      const code = new Map(by.dict.map((v, k) => [v, k]));
      for (const value of values) {
        const k = code.get(value);
        const fill = (tpl: string, column: string): string => tpl.replace("{value}", value).replace("{column}", column);
        for (const [col, agg] of Object.entries(b.columns)) {
          if (!frame.has(col)) continue;
          const a = acc(fill(b.name, col), agg);
          if (k === undefined) continue;
          const v = frame.numeric(col);
          for (let i = 0; i < n; i++) if (by.codes[i] === k && rowOf[i]! >= 0) a.add(rowOf[i]!, v[i]!, t[i]!);
        }
        for (const r of b.ratios ?? []) {
          const num = fill(b.name, r.num);
          const den = fill(b.name, r.den);
          if (accs.has(num) && accs.has(den))
            ratios.push({ name: fill(r.name, value), num, den, ...(r.minDen ? { minDen: r.minDen } : {}) });
        }
      }
    }
  }

  const qd = decl.quantiles;
  if (qd && frame.has("le_ns") && frame.has("count")) addQuantiles(frame, qd, prefix, rowOf, acc);

  const ev = decl.events;
  if (ev && frame.has(ev.column)) {
    const col = frame.column(ev.column);
    if (isStringColumn(col)) {
      for (const [value, name] of Object.entries(ev.counts)) {
        const a = acc(name, "sum");
        const k = col.dict.indexOf(value);
        const credit = ev.creditTo?.[value];
        for (let i = 0; i < n; i++) {
          if (col.codes[i] !== k) continue;
          const row = credit && frame.has(credit) ? creditRow(credit, i) : rowOf[i]!;
          if (row >= 0) a.add(row, 1, t[i]!);
        }
      }
    }
  }
  return { accs, ratios };
}

/** A breakdown's values: the top by weight over the frame, then the top by each ratio's numerator (half as many). */
function topValues(
  frame: Frame,
  codes: Uint32Array,
  dict: readonly string[],
  b: NonNullable<FeatureDecl["breakdown"]>,
): string[] {
  const rank = (col: string, k: number): number[] => {
    if (!frame.has(col)) return [];
    const v = frame.numeric(col);
    const per = new Float64Array(dict.length);
    for (let i = 0; i < codes.length; i++) per[codes[i]!]! += v[i]!;
    return [...per.keys()]
      .filter((c) => per[c]! > 0)
      .sort((x, y) => per[y]! - per[x]! || dict[x]!.localeCompare(dict[y]!))
      .slice(0, k);
  };
  const out = rank(b.weight, b.top);
  for (const r of b.ratios ?? []) for (const c of rank(r.num, Math.ceil(b.top / 2))) if (!out.includes(c)) out.push(c);
  return out.map((c) => dict[c]!);
}

/** Quantiles of each (window, entity)'s histogram buckets (`decl.quantiles`), as `<prefix>p<q>_ns`. */
function addQuantiles(
  frame: Frame,
  qd: NonNullable<FeatureDecl["quantiles"]>,
  prefix: string,
  rowOf: Int32Array,
  acc: (name: string, agg: FeatureAgg, description?: string) => FeatureAcc,
): void {
  const le = frame.numeric("le_ns"),
    count = frame.numeric("count"),
    t = frame.numeric("t_s");
  const where = Object.entries(qd.where ?? {});
  if (!where.every(([c]) => frame.has(c))) return;
  const conds = where.map(([c, v]) => ({ col: frame.values(c), v }));
  const cells = new Map<number, { t: number; b: Map<number, number> }>();
  for (let i = 0; i < frame.length; i++) {
    const r = rowOf[i]!;
    if (r < 0 || !conds.every((c) => c.col[i] === c.v)) continue;
    let cell = cells.get(r);
    if (!cell) cells.set(r, (cell = { t: t[i]!, b: new Map() }));
    cell.b.set(le[i]!, (cell.b.get(le[i]!) ?? 0) + count[i]!);
  }
  const stem = (q: number) => `p${String(+(q * 100).toFixed(4)).replace(".", "")}`;
  for (const q of qd.q) {
    const a = acc(`${prefix}${stem(q)}_ns`, "max", `${q * 100}th percentile of the histogram's buckets (ns)`);
    for (const [r, cell] of cells) {
      const bounds = [...cell.b.keys()].sort((x, y) => x - y);
      const v = bucketQuantile(
        { le: bounds, count: bounds.map((x) => cell.b.get(x)!), below: bounds.map(histBelowNs) },
        q,
      );
      if (Number.isFinite(v)) a.add(r, v, cell.t);
    }
  }
}

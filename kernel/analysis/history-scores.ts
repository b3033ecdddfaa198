// Per-entity novelty scores: each (window, entity) row against the range its own past windows showed, against its
// peers' (same comm) where it has too little past, and against everyone's where it has no peers either.

import type { Matrix } from "../detectors/matrix.js";
import { PARTIAL_CAPTURE_END, PARTIAL_EXIT, PARTIAL_START } from "../features/silence.js";

export interface EnvelopeOptions {
  /** Reference quantiles that bound the normal range (default [0.05, 0.95]). */
  quantiles?: [number, number];
  /** Smallest scale, in the matrix' units (default 0.5: on log1p features a factor of e^0.5 ≈ 1.65). */
  scaleFloor?: number;
  /** Fewest own reference windows to be compared with itself (default 5); fewer: its peers, then everyone. */
  minHistory?: number;
  /** Most past windows kept per entity in causal mode (default 120). */
  maxHistory?: number;
}

/** Who and when each row of the matrix is. */
export interface RowContext {
  /** The entity of each row (pid, tid, comm or cgroup, as a number or string). */
  entity: ArrayLike<number | string>;
  /** The peer group of each row: its command name. */
  peer: readonly string[];
  /** Window index of each row. */
  window: ArrayLike<number>;
  /** Features.partial bits per row. */
  partial?: Uint8Array;
}

/**
 * The normal period: "causal" = each row against its entity's earlier windows (peers and everyone: the whole
 * capture); "until" = rows of windows before `window`; "external" = another capture's rows, matched by peer
 * group (pids differ between captures, names do not).
 */
export type ReferenceSpec =
  | { kind: "causal" }
  | { kind: "until"; window: number }
  | { kind: "external"; X: Matrix; peer: readonly string[]; partial?: Uint8Array };

/** The normal range one row was compared with. */
export interface Envelope {
  /** Per feature: median, low and high quantile of the reference, and the scale deviations are measured in. */
  center: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  scale: Float64Array;
  /** Whose windows: the entity's own, its peers' (same comm), or every entity's. */
  source: "own" | "peers" | "all";
  /** Reference windows. */
  n: number;
}

const PARTIAL = PARTIAL_START | PARTIAL_EXIT | PARTIAL_CAPTURE_END;

/**
 * Scores every row: z_j = how far feature j lies outside [lo_j, hi_j] of the row's reference, in units of
 * max(scaleFloor, (hi − lo) / 3.29) (the normal-consistent spread of a 5–95 % range), and score = Σ z_j², so the
 * per-feature contributions z_j² add up to the score. Windows that hold only part of an entity (its start, its exit,
 * the capture's end) count only upward deviations: they are short, not quiet. Rows of the reference period itself
 * ("until") are scored too, against the same reference.
 */
export class HistoryScorer {
  readonly scores: Float64Array;
  private readonly q: [number, number];
  private readonly floor: number;
  private readonly minHistory: number;
  private readonly maxHistory: number;
  private readonly d: number;
  private population?: Envelope;
  private readonly peerCache = new Map<string, Envelope | null>();
  private readonly ownCache = new Map<number | string, Envelope | null>();

  constructor(
    readonly X: Matrix,
    readonly ctx: RowContext,
    readonly ref: ReferenceSpec,
    opts: EnvelopeOptions = {},
  ) {
    this.q = opts.quantiles ?? [0.05, 0.95];
    this.floor = opts.scaleFloor ?? 0.5;
    this.minHistory = opts.minHistory ?? 5;
    this.maxHistory = opts.maxHistory ?? 120;
    this.d = X.cols;
    this.scores = new Float64Array(X.rows);
    if (ref.kind === "causal") this.scoreCausal();
    else for (let r = 0; r < X.rows; r++) this.scores[r] = this.scoreRow(r, this.envelope(r));
  }

  /** The reference one row is compared with. */
  envelope(row: number): Envelope {
    if (this.ref.kind === "causal") {
      const own = this.ownPast(row);
      if (own.n >= this.minHistory) return this.summarise(own.values, own.n, "own");
    } else {
      const own = this.cached(this.ownCache, this.ctx.entity[row]!, () => this.ownStatic(row));
      if (own) return own;
    }
    const peers = this.cached(this.peerCache, `${this.ctx.peer[row]}\u0000${String(this.ctx.entity[row])}`, () =>
      this.peersOf(row),
    );
    return peers ?? (this.population ??= this.everyone());
  }

  /** Signed deviation per feature (z_j, + above the range, − below) of one row from its reference. */
  deviations(row: number, env = this.envelope(row)): Float64Array {
    const z = new Float64Array(this.d);
    const partial = ((this.ctx.partial?.[row] ?? 0) & PARTIAL) !== 0;
    const base = row * this.d;
    for (let j = 0; j < this.d; j++) {
      const x = this.X.data[base + j]!;
      if (x > env.hi[j]!) z[j] = (x - env.hi[j]!) / env.scale[j]!;
      else if (x < env.lo[j]! && !partial) z[j] = (x - env.lo[j]!) / env.scale[j]!;
    }
    return z;
  }

  /** z_j² per feature: they sum to the row's score. */
  contributions(row: number): Float64Array {
    return this.deviations(row).map((z) => z * z);
  }

  private scoreRow(row: number, env: Envelope): number {
    let s = 0;
    for (const z of this.deviations(row, env)) s += z * z;
    return s;
  }

  private cached<K>(cache: Map<K, Envelope | null>, key: K, make: () => Envelope | null): Envelope | null {
    let e = cache.get(key);
    if (e === undefined) cache.set(key, (e = make()));
    return e;
  }

  /** Rows usable as reference: in the reference period, and full windows. */
  private isReference(r: number): boolean {
    if (((this.ctx.partial?.[r] ?? 0) & PARTIAL) !== 0) return false;
    return this.ref.kind !== "until" || this.ctx.window[r]! < this.ref.window;
  }

  private ownStatic(row: number): Envelope | null {
    if (this.ref.kind === "external") {
      const rows = this.externalRows((p) => p === this.ctx.peer[row]);
      return rows.length >= this.minHistory ? this.fromRows(this.ref.X, rows, "own") : null;
    }
    const e = this.ctx.entity[row];
    const rows: number[] = [];
    for (let r = 0; r < this.X.rows; r++) if (this.ctx.entity[r] === e && this.isReference(r)) rows.push(r);
    return rows.length >= this.minHistory ? this.fromRows(this.X, rows, "own") : null;
  }

  private peersOf(row: number): Envelope | null {
    const p = this.ctx.peer[row];
    if (this.ref.kind === "external") return null; // external "own" already means same comm
    const e = this.ctx.entity[row];
    const rows: number[] = [];
    for (let r = 0; r < this.X.rows; r++) {
      if (this.ctx.peer[r] === p && this.ctx.entity[r] !== e && this.isReference(r)) rows.push(r);
    }
    return rows.length >= this.minHistory ? this.fromRows(this.X, rows, "peers") : null;
  }

  private everyone(): Envelope {
    if (this.ref.kind === "external")
      return this.fromRows(
        this.ref.X,
        this.externalRows(() => true),
        "all",
      );
    const rows: number[] = [];
    for (let r = 0; r < this.X.rows; r++) if (this.isReference(r)) rows.push(r);
    return this.fromRows(this.X, rows.length ? rows : [...Array(this.X.rows).keys()], "all");
  }

  private externalRows(keep: (peer: string) => boolean): number[] {
    const ext = this.ref as Extract<ReferenceSpec, { kind: "external" }>;
    const rows: number[] = [];
    for (let r = 0; r < ext.X.rows; r++) {
      if (((ext.partial?.[r] ?? 0) & PARTIAL) === 0 && keep(ext.peer[r]!)) rows.push(r);
    }
    return rows;
  }

  private fromRows(m: Matrix, rows: number[], source: Envelope["source"]): Envelope {
    const d = this.d;
    const values = Array.from({ length: d }, (_, j) => Float64Array.from(rows, (r) => m.data[r * d + j]!).sort());
    return this.summarise(values, rows.length, source);
  }

  private summarise(sorted: Float64Array[], n: number, source: Envelope["source"]): Envelope {
    const d = this.d;
    const env: Envelope = {
      center: new Float64Array(d),
      lo: new Float64Array(d),
      hi: new Float64Array(d),
      scale: new Float64Array(d),
      source,
      n,
    };
    for (let j = 0; j < d; j++) {
      const s = sorted[j]!.subarray(0, n);
      env.center[j] = quantileSorted(s, 0.5);
      env.lo[j] = quantileSorted(s, this.q[0]);
      env.hi[j] = quantileSorted(s, this.q[1]);
      env.scale[j] = Math.max(this.floor, (env.hi[j]! - env.lo[j]!) / 3.29);
    }
    return env;
  }

  /** The entity's full windows before this row's, newest maxHistory of them, sorted per feature. */
  private ownPast(row: number): { values: Float64Array[]; n: number } {
    const e = this.ctx.entity[row];
    const w = this.ctx.window[row]!;
    const rows: number[] = [];
    for (let r = 0; r < this.X.rows; r++) {
      if (this.ctx.entity[r] === e && this.ctx.window[r]! < w && this.isReference(r)) rows.push(r);
    }
    rows.sort((a, b) => this.ctx.window[a]! - this.ctx.window[b]!);
    const keep = rows.slice(-this.maxHistory);
    const d = this.d;
    return {
      values: Array.from({ length: d }, (_, j) => Float64Array.from(keep, (r) => this.X.data[r * d + j]!).sort()),
      n: keep.length,
    };
  }

  /** Causal scoring in one pass per entity: a sorted window of its past values per feature, updated as it goes. */
  private scoreCausal(): void {
    const d = this.d;
    const byEntity = new Map<number | string, number[]>();
    for (let r = 0; r < this.X.rows; r++) {
      const e = this.ctx.entity[r]!;
      let list = byEntity.get(e);
      if (!list) byEntity.set(e, (list = []));
      list.push(r);
    }
    const cap = this.maxHistory;
    for (const rows of byEntity.values()) {
      rows.sort((a, b) => this.ctx.window[a]! - this.ctx.window[b]!);
      const sorted = Array.from({ length: d }, () => new Float64Array(cap));
      const fifo: number[] = [];
      let n = 0;
      let pending: number[] = []; // rows of the current window, added to the history once the window is past
      let current = Number.NaN;
      for (const r of rows) {
        if (this.ctx.window[r] !== current) {
          for (const p of pending) n = this.push(sorted, fifo, n, p);
          pending = [];
          current = this.ctx.window[r]!;
        }
        const env =
          n >= this.minHistory ? this.summarise(sorted, n, "own") : (this.envelopeWithoutOwn(r) ?? this.population!);
        this.scores[r] = this.scoreRow(r, env);
        if (this.isReference(r)) pending.push(r);
      }
    }
  }

  private envelopeWithoutOwn(row: number): Envelope | null {
    this.population ??= this.everyone();
    return this.cached(this.peerCache, `${this.ctx.peer[row]}\u0000${String(this.ctx.entity[row])}`, () =>
      this.peersOf(row),
    );
  }

  /** Inserts row r's values into the sorted per-feature windows, dropping the oldest when full; returns the count. */
  private push(sorted: Float64Array[], fifo: number[], n: number, r: number): number {
    const d = this.d;
    if (n === this.maxHistory) {
      const old = fifo.shift()!;
      for (let j = 0; j < d; j++) {
        const a = sorted[j]!;
        const i = lowerBound(a, n, this.X.data[old * d + j]!);
        a.copyWithin(i, i + 1, n);
      }
      n--;
    }
    for (let j = 0; j < d; j++) {
      const a = sorted[j]!;
      const v = this.X.data[r * d + j]!;
      const i = lowerBound(a, n, v);
      a.copyWithin(i + 1, i, n);
      a[i] = v;
    }
    fifo.push(r);
    return n + 1;
  }
}

function lowerBound(a: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Linear-interpolated quantile of a sorted array (numpy's default). */
function quantileSorted(s: Float64Array, q: number): number {
  if (s.length === 0) return 0;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

// Per-entity novelty scores: each (window, entity) row against the range its own past windows showed, against its
// peers' (same name) where it has too little past, and against everyone's where it has no peers either, feature by
// feature, skipping cells nothing measured.

import type { Matrix } from "../detectors/matrix.js";
import { LATE, PARTIAL_CAPTURE_END, PARTIAL_EXIT, PARTIAL_START, SILENT } from "../features/silence.js";

export interface EnvelopeOptions {
  /** Reference quantiles that bound the normal range (default [0.05, 0.95]). */
  quantiles?: [number, number];
  /** Smallest scale, in the matrix' units (default 0.5: on log1p features a factor of e^0.5 ≈ 1.65). */
  scaleFloor?: number;
  /** Fewest reference values of a feature to compare an entity with itself (default 5); fewer: peers, everyone. */
  minHistory?: number;
  /** Most past windows kept per entity in causal mode (default 120). */
  maxHistory?: number;
  /**
   * Causal mode: a window scoring at least this joins the history only once the entity is back below it (default
   * Infinity: every window joins at once), so an anomaly lasting several windows does not become its own normal
   * while it lasts, but what recurs after normal windows is learnt.
   */
  learnBelow?: number;
  /**
   * A group per column (the collector it comes from): a row's score then adds, per group, only its largest z²,
   * so one event that moves several related columns (disk bytes, disk writes, disk requests) counts once.
   * Default: every column its own group (score = Σ z²).
   */
  groups?: readonly string[];
  /**
   * Per column: compare it only with the entity's own past or its peers, never with every process (a latency or
   * an error rate says something about this program's work, not about how it differs from other programs).
   */
  noPopulation?: readonly boolean[];
  /** Per column: only upward deviations count (less blocked time just mirrors more CPU time). */
  upOnly?: readonly boolean[];
  /** Per column: never scored (kept in the matrix for the drivers' context). */
  ignore?: readonly boolean[];
  /**
   * Per column: not scored in a window holding the entity's start or exit: the process's own exec or exit is what
   * makes that window partial, and every process exits once.
   */
  lifecycle?: readonly boolean[];
  /**
   * Leave out what most processes undergo together (default false): per window and feature, the deviation that the
   * median process with its own history of that activity shows (a VM stall or a machine-wide CPU shortage raises
   * everyone's run-queue wait) is taken off each process's deviation in the same direction, so a process scores only
   * for what sets it apart from the machine's common shift. Needs at least `commonMin` such processes (default 5).
   */
  commonMode?: boolean;
  commonMin?: number;
  /**
   * Per column: a 0/1 state (idle) scored by how rare it is in the entity's own history: a window in the state
   * scores z² = 2 ln(1/p), p = (windows in it + ½) / (history + 1), so a run of k such windows adds up to the
   * surprise of the run under the entity's own rate (a worker never idle before: z² ≈ 7 a window after 20 windows).
   * Only against the entity's own history of at least minHistory windows; the state's absence scores nothing.
   */
  rare?: readonly boolean[];
  /**
   * For the `rare` states: the column that counts the entity's wakeups (voluntary switches) and how to read one of
   * its values as a count per window. In a window of the state, what fell to zero with it (CPU time, system calls,
   * switches) adds to the state's rarity at most up to 2λ, the z² of a whole window without a wakeup for an entity
   * that woke at least λ times in 95 % of its windows (its 5th percentile) were its wakeups a Poisson stream: a server
   * with thousands of requests a second that stops for one second is news far beyond the state's rarity in a short
   * history; a worker with three jobs a second that has a quiet second is not (e^−3: once in 20 windows). Without
   * it, the falls add in full.
   */
  arrivals?: { column: number; count: (v: number) => number };
  /**
   * Per column: an event that is news by happening at all (an OOM kill), scored like `rare` by how often it happens
   * in the row's reference, whoever that is (its own past, its peers', everyone's), in any window: such events come
   * at a process's end.
   */
  rareEvents?: readonly boolean[];
}

/** Who and when each row of the matrix is. */
export interface RowContext {
  /** The entity of each row (pid, tid, comm or cgroup, as a number or string). */
  entity: ArrayLike<number | string>;
  /** The peer group of each row: its process name. */
  peer: readonly string[];
  /** Window index of each row. */
  window: ArrayLike<number>;
  /** Features.partial bits per row. */
  partial?: Uint8Array;
  /** Features.missing per cell. */
  missing?: Uint8Array;
  /** Per row: 1 for a worker of a pool (worker-pools.ts): compared with its pool (peers), never with itself. */
  pooled?: Uint8Array;
}

/**
 * The normal period: "causal" = each row against its entity's earlier windows (peers and everyone: the whole
 * capture); "until" = rows of windows before `window`; "external" = another capture's rows, matched by name
 * (pids differ between captures, names do not).
 */
export type ReferenceSpec =
  | { kind: "causal" }
  | { kind: "until"; window: number }
  | { kind: "external"; X: Matrix; peer: readonly string[]; partial?: Uint8Array; missing?: Uint8Array };

export type Source = "own" | "peers" | "all";

/** The normal range one row was compared with, per feature. */
export interface Envelope {
  center: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  scale: Float64Array;
  /** Reference values per feature, and whose: the entity's own, its peers' (same name), or everyone's. */
  n: Int32Array;
  /** Per feature: the fraction of reference values above 0 (how often a `rare` state was on). */
  share: Float64Array;
  source: Source[];
}

const PARTIAL = PARTIAL_START | PARTIAL_EXIT | PARTIAL_CAPTURE_END;

/** Per-feature sorted reference values. */
type Sorted = { values: Float64Array[]; n: Int32Array };

/**
 * Scores every row: z_j = how far feature j lies outside [lo_j, hi_j] of the row's reference, in units of
 * max(scaleFloor, (hi − lo) / 3.29) (the normal-consistent spread of a 5–95 % range), and score = Σ z_j² (or, with
 * groups, Σ over groups of the group's largest z_j²), so the per-feature contributions add up to the score. A cell
 * nothing measured scores 0 and is no reference.
 * Downward deviations count only against the entity's own history, and not in a window that holds only part of
 * it (its start, its exit, the capture's end): such a window is short, not quiet, and doing less than other
 * processes is normal. Rows of the reference period ("until") are scored too, against the same reference.
 */
export class HistoryScorer {
  readonly scores: Float64Array;
  private readonly q: [number, number];
  private readonly floor: number;
  private readonly minHistory: number;
  private readonly maxHistory: number;
  private readonly learnBelow: number;
  /** Group index per column, and the number of groups. */
  private readonly group: Int32Array;
  private readonly groupCount: number;
  private readonly noPopulation?: readonly boolean[];
  private readonly upOnly?: readonly boolean[];
  private readonly ignore?: readonly boolean[];
  private readonly lifecycle?: readonly boolean[];
  private readonly rare?: readonly boolean[];
  private readonly rareEvents?: readonly boolean[];
  private readonly arrivals?: { column: number; count: (v: number) => number };
  private readonly d: number;
  /** With commonMode: per (window, feature), the common deviation taken off (0: none). */
  private common?: { up: Float64Array; down: Float64Array; windowIndex: Map<number, number> };
  /** Causal mode: the window from which each row is part of its entity's history (Infinity: never). */
  private readonly learntAt: Float64Array;
  private everyone?: Envelope;
  private everyoneSorted?: Sorted;
  /** Causal mode: each entity's rows that are part of everyone's reference. */
  private rowsByEntity?: Map<number | string, number[]>;
  /** Each peer group's reference rows sorted, and each (group, entity)'s rows among them (peersOf). */
  private peerSorted?: Map<string, Sorted>;
  private peerRows?: Map<string, number[]>;
  private readonly cache = new Map<string, Envelope>();
  /**
   * Causal mode: the cache keys of the entity being scored (its peers and everyone but it), dropped once its rows
   * are scored. A fork storm's capture holds 300,000 short-lived processes, and keeping two envelopes of each
   * took gigabytes for keys never asked again.
   */
  private scoped: string[] = [];

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
    this.learnBelow = opts.learnBelow ?? Infinity;
    const names = opts.groups ?? X.columns.map((_, j) => String(j));
    const ids = new Map<string, number>();
    this.group = Int32Array.from(names, (g) => {
      let v = ids.get(g);
      if (v === undefined) ids.set(g, (v = ids.size));
      return v;
    });
    this.groupCount = ids.size;
    if (opts.noPopulation) this.noPopulation = opts.noPopulation;
    if (opts.upOnly) this.upOnly = opts.upOnly;
    if (opts.ignore) this.ignore = opts.ignore;
    if (opts.lifecycle) this.lifecycle = opts.lifecycle;
    if (opts.rare) this.rare = opts.rare;
    if (opts.rareEvents) this.rareEvents = opts.rareEvents;
    if (opts.arrivals) this.arrivals = opts.arrivals;
    this.d = X.cols;
    this.scores = new Float64Array(X.rows);
    this.learntAt = new Float64Array(X.rows).fill(Infinity);
    // With commonMode, the first pass keeps what finding the common shift needs, sparsely (most deviations are 0,
    // and a long whole-machine capture has millions of cells): per window and feature, how many rows have their
    // own history of it and the nonzero deviations among them; per row, its nonzero deviations for the rescoring.
    const kept = opts.commonMode ? new CommonShift(X.rows, X.cols, ctx.window) : undefined;
    const keep = kept ? (r: number, env: Envelope): void => kept.add(r, this.deviations(r, env), env) : undefined;
    if (ref.kind === "causal") this.scoreCausal(keep);
    else {
      for (let r = 0; r < X.rows; r++) {
        const env = this.envelope(r);
        this.scores[r] = this.scoreRow(r, env);
        keep?.(r, env);
      }
    }
    if (kept) this.removeCommon(kept, opts.commonMin ?? 5);
  }

  /**
   * Per window and feature, the median deviation of the rows that have their own history of that activity (up and
   * down apart: the median of max(z, 0) and of min(z, 0)); then every row is rescored with that much taken off.
   */
  private removeCommon(kept: CommonShift, least: number): void {
    const shifts = kept.shifts(least);
    if (!shifts) return;
    this.common = shifts;
    const d = this.d;
    const row = new Float64Array(d);
    for (let r = 0; r < this.X.rows; r++) {
      const nz = kept.rowDeviations[r];
      if (!nz || this.scores[r] === 0) continue;
      const k = shifts.windowIndex.get(this.ctx.window[r]!)! * d;
      row.fill(0);
      for (let i = 0; i < nz.length; i += 3) {
        const j = nz[i]!;
        row[j] = shrink(nz[i + 1]!, shifts.up[k + j]!, shifts.down[k + j]!) / nz[i + 2]!;
      }
      this.scores[r] = this.sumOfGroups(row);
    }
  }

  /** The reference one row is compared with. */
  envelope(row: number): Envelope {
    if (this.ctx.pooled?.[row]) return this.merge(this.noHistory(), row);
    const own =
      this.ref.kind === "causal"
        ? this.summarise(this.ownPast(row), "own")
        : this.memo(
            `own\u0000${String(this.ref.kind === "external" ? this.ctx.peer[row] : this.ctx.entity[row])}`,
            () => this.ownStatic(row),
          );
    return this.merge(own, row);
  }

  /**
   * Signed deviation per feature (z_j, + above the range, − below) of one row from its reference. In a window of a
   * rare state (idle), what fell to zero with it (CPU time, system calls, switches) is the state's own doing: the
   * falls add to the state's rarity only as far as the entity's wakeup rate says such a window is rare (see
   * EnvelopeOptions.arrivals); `silenced` asks for them in full (to name them).
   */
  deviations(row: number, env = this.envelope(row), silenced = false): Float64Array {
    const z = new Float64Array(this.d);
    const flags = this.ctx.partial?.[row] ?? 0;
    // A late window's values are not comparable with anything (it holds more, or less, than its time).
    if (flags & LATE) return z;
    const partial = (flags & PARTIAL) !== 0;
    const lifeWindow = (flags & (PARTIAL_START | PARTIAL_EXIT)) !== 0;
    const base = row * this.d;
    const common = this.common;
    const k = common ? common.windowIndex.get(this.ctx.window[row]!)! * this.d : 0;
    let state = -1; // the rare state's column, where the row is in it and it scores
    for (let j = 0; j < this.d; j++) {
      if (this.ctx.missing?.[base + j] || env.n[j] === 0 || this.ignore?.[j]) continue;
      if (env.source[j] === "all" && this.noPopulation?.[j]) continue;
      if (lifeWindow && this.lifecycle?.[j]) continue;
      const x = this.X.data[base + j]!;
      if (this.rareEvents?.[j]) {
        if (x > 0) z[j] = surprise(env.n[j]!, env.share[j]!);
      } else if (this.rare?.[j]) {
        if (x > 0 && !partial && env.source[j] === "own" && env.n[j]! >= this.minHistory) {
          z[j] = surprise(env.n[j]!, env.share[j]!);
          state = j;
        }
      } else if (x > env.hi[j]!) z[j] = (x - env.hi[j]!) / env.scale[j]!;
      // Less than others do is no anomaly for a process without its own history: only its own normal can fall.
      else if (x < env.lo[j]! && !partial && env.source[j] === "own" && !this.upOnly?.[j]) {
        z[j] = (x - env.lo[j]!) / env.scale[j]!;
      }
      // The common shift is in the matrix' units, z in this row's scale. A state's or an event's rarity too: the
      // scores take it off them (removeCommon), and the contributions must add up to the scores.
      if (common && z[j] !== 0) {
        z[j] = shrink(z[j]! * env.scale[j]!, common.up[k + j]!, common.down[k + j]!) / env.scale[j]!;
      }
    }
    if (state >= 0 && !silenced && this.arrivals) {
      // The falls to zero that came with the state, scaled down together so that state and falls add up to at most
      // max(the state's own z², 2λ) (EnvelopeOptions.arrivals).
      let falls = 0;
      for (let j = 0; j < this.d; j++) if (this.fellWith(j, state, z, base)) falls += z[j]! * z[j]!;
      const own = z[state]! * z[state]!;
      const bound = Math.max(own, 2 * this.wakeups(env));
      if (falls > 0 && own + falls > bound) {
        const f = Math.sqrt((bound - own) / falls);
        for (let j = 0; j < this.d; j++) if (this.fellWith(j, state, z, base)) z[j] = z[j]! * f;
      }
    }
    return z;
  }

  /** Column j fell to zero in a window of the rare state `state` (row data at `base`). */
  private fellWith(j: number, state: number, z: Float64Array, base: number): boolean {
    return j !== state && z[j]! < 0 && this.X.data[base + j] === 0 && !this.rare?.[j];
  }

  /** λ: the entity's wakeups per window in 95 % of its own windows (EnvelopeOptions.arrivals); 0 unknown. */
  private wakeups(env: Envelope): number {
    const j = this.arrivals!.column;
    if (env.source[j] !== "own" || env.n[j]! < this.minHistory) return 0;
    return Math.max(0, this.arrivals!.count(env.lo[j]!));
  }

  /** z_j² of each group's largest deviation (0 for the others): they sum to the row's score. */
  contributions(row: number, env = this.envelope(row)): Float64Array {
    return this.groupMaxima(this.deviations(row, env));
  }

  private sumOfGroups(z: ArrayLike<number>): number {
    let s = 0;
    for (const c of this.groupMaxima(z)) s += c;
    return s;
  }

  private groupMaxima(z: ArrayLike<number>): Float64Array {
    const sq = Float64Array.from(z, (v) => v * v);
    const best = new Int32Array(this.groupCount).fill(-1);
    for (let j = 0; j < sq.length; j++) {
      const g = this.group[j]!;
      if (best[g]! < 0 || sq[j]! > sq[best[g]!]!) best[g] = j;
    }
    const out = new Float64Array(sq.length);
    for (const j of best) if (j >= 0) out[j] = sq[j]!;
    return out;
  }

  private scoreRow(row: number, env: Envelope): number {
    let s = 0;
    for (const c of this.contributions(row, env)) s += c;
    return s;
  }

  private memo(key: string, make: () => Envelope): Envelope {
    let e = this.cache.get(key);
    if (!e) this.cache.set(key, (e = make()));
    return e;
  }

  /** memo() for a key of one entity: in causal mode dropped once that entity is scored (see scoped). */
  private scopedMemo(key: string, make: () => Envelope): Envelope {
    if (this.ref.kind === "causal" && !this.cache.has(key)) this.scoped.push(key);
    return this.memo(key, make);
  }

  /** An empty own reference (a pool worker's). */
  private noHistory(): Envelope {
    return this.memo("none", () =>
      this.summarise(
        { values: Array.from({ length: this.d }, () => new Float64Array(0)), n: new Int32Array(this.d) },
        "own",
      ),
    );
  }

  /** Per feature: the own reference where it has minHistory values, else the peers', else everyone's. */
  private merge(own: Envelope, row: number): Envelope {
    if (own.n.every((n) => n >= this.minHistory)) return own;
    const peers =
      this.ref.kind === "external"
        ? undefined
        : this.scopedMemo(`peers\u0000${this.ctx.peer[row]}\u0000${String(this.ctx.entity[row])}`, () =>
            this.peersOf(row),
          );
    // Everyone but itself: a new process storming a call nobody else makes would otherwise be compared with a
    // 99th percentile its own windows set (causal mode's everyone is the whole capture).
    const all =
      this.ref.kind === "causal"
        ? this.scopedMemo(`all\u0000${String(this.ctx.entity[row])}`, () => this.allBut(this.ctx.entity[row]!))
        : (this.everyone ??= this.allRows());
    const out: Envelope = {
      center: new Float64Array(this.d),
      lo: new Float64Array(this.d),
      hi: new Float64Array(this.d),
      scale: new Float64Array(this.d),
      n: new Int32Array(this.d),
      share: new Float64Array(this.d),
      source: [],
    };
    for (let j = 0; j < this.d; j++) {
      const e = own.n[j]! >= this.minHistory ? own : peers && peers.n[j]! >= this.minHistory ? peers : all;
      out.center[j] = e.center[j]!;
      out.share[j] = e.share[j]!;
      out.lo[j] = e.lo[j]!;
      out.hi[j] = e.hi[j]!;
      out.scale[j] = e.scale[j]!;
      out.n[j] = e.n[j]!;
      out.source[j] = e.source[j]!;
    }
    return out;
  }

  /** Rows usable as reference: in the reference period, and full windows. */
  private isReference(r: number): boolean {
    if (((this.ctx.partial?.[r] ?? 0) & (PARTIAL | LATE)) !== 0) return false;
    return this.ref.kind !== "until" || this.ctx.window[r]! < this.ref.window;
  }

  private ownStatic(row: number): Envelope {
    if (this.ref.kind === "external") return this.fromExternal((p) => p === this.ctx.peer[row], "own");
    const e = this.ctx.entity[row];
    const rows: number[] = [];
    for (let r = 0; r < this.X.rows; r++) if (this.ctx.entity[r] === e && this.isReference(r)) rows.push(r);
    return this.summarise(this.sortRows(this.X, this.ctx.missing, rows), "own");
  }

  /** Other entities' silent windows say nothing about this one's activity: peers and everyone skip them. */
  private isActive(r: number): boolean {
    return ((this.ctx.partial?.[r] ?? 0) & SILENT) === 0;
  }

  /**
   * The reference of the entity's peers (its group's active reference rows, its own left out). Each group's rows
   * are sorted once and each entity's own taken out of them (as allBut does of everyone's): a scan and sort of the
   * group per entity made a fork storm's 300,000 children, one group, quadratic (hours).
   */
  private peersOf(row: number): Envelope {
    if (!this.peerSorted || !this.peerRows) {
      const groups = new Map<string, number[]>();
      this.peerRows = new Map();
      for (let r = 0; r < this.X.rows; r++) {
        if (!this.isReference(r) || !this.isActive(r)) continue;
        const p = this.ctx.peer[r]!;
        const key = `${p}\u0000${String(this.ctx.entity[r])}`;
        const g = groups.get(p);
        if (g) g.push(r);
        else groups.set(p, [r]);
        const own = this.peerRows.get(key);
        if (own) own.push(r);
        else this.peerRows.set(key, [r]);
      }
      this.peerSorted = new Map([...groups].map(([p, rows]) => [p, this.sortRows(this.X, this.ctx.missing, rows)]));
    }
    const p = this.ctx.peer[row]!;
    const group = this.peerSorted.get(p) ?? this.sortRows(this.X, this.ctx.missing, []);
    const own = this.peerRows.get(`${p}\u0000${String(this.ctx.entity[row])}`) ?? [];
    return this.without(group, this.sortRows(this.X, this.ctx.missing, own), "peers");
  }

  private allRows(): Envelope {
    if (this.ref.kind === "external") return this.fromExternal(() => true, "all");
    return this.summarise(this.allSorted(), "all");
  }

  private allSorted(): Sorted {
    if (!this.everyoneSorted) {
      const rows: number[] = [];
      for (let r = 0; r < this.X.rows; r++) if (this.isReference(r) && this.isActive(r)) rows.push(r);
      this.everyoneSorted = this.sortRows(this.X, this.ctx.missing, rows);
    }
    return this.everyoneSorted;
  }

  /** Everyone's reference without entity e's own rows (the same summary as allRows over the others'). */
  private allBut(e: number | string): Envelope {
    if (!this.rowsByEntity) {
      this.rowsByEntity = new Map();
      for (let r = 0; r < this.X.rows; r++) {
        if (!this.isReference(r) || !this.isActive(r)) continue;
        const k = this.ctx.entity[r]!;
        const list = this.rowsByEntity.get(k);
        if (list) list.push(r);
        else this.rowsByEntity.set(k, [r]);
      }
    }
    const mine = this.rowsByEntity.get(e);
    if (!mine) return (this.everyone ??= this.allRows());
    return this.without(this.allSorted(), this.sortRows(this.X, this.ctx.missing, mine), "all");
  }

  /**
   * summarise() of the values in `all` but not in `own` (a sub-multiset of it, per feature), without sorting the
   * rest anew: the i-th smallest of the rest is all's value at i plus the number of own's values at or below it.
   */
  private without(all: Sorted, own: Sorted, source: "all" | "peers"): Envelope {
    const d = this.d;
    const everyone = source === "all";
    const env: Envelope = {
      center: new Float64Array(d),
      lo: new Float64Array(d),
      hi: new Float64Array(d),
      scale: new Float64Array(d).fill(this.floor),
      n: new Int32Array(d),
      share: new Float64Array(d),
      source: new Array<Source>(d).fill(source),
    };
    for (let j = 0; j < d; j++) {
      const a = all.values[j]!.subarray(0, all.n[j]!);
      const b = own.values[j]!.subarray(0, own.n[j]!);
      const m = a.length - b.length;
      env.n[j] = m;
      if (m <= 0) continue;
      const at = (i: number): number => {
        let c = 0;
        while (c < b.length && b[c]! <= a[i + c]!) c++;
        return a[i + c]!;
      };
      const quantile = (q: number): number => {
        const pos = q * (m - 1);
        const i = Math.floor(pos);
        const lo = at(i);
        return i + 1 < m ? lo + (at(i + 1) - lo) * (pos - i) : lo;
      };
      const above = a.length - upperBound(a, a.length, 0) - (b.length - upperBound(b, b.length, 0));
      env.share[j] = above / m;
      env.center[j] = this.rare?.[j] ? Math.log1p(env.share[j]!) : quantile(0.5);
      env.lo[j] = quantile(this.q[0]);
      env.hi[j] = quantile(everyone ? 0.99 : this.q[1]);
      if (!everyone) env.scale[j] = Math.max(this.floor, (env.hi[j]! - env.lo[j]!) / 3.29);
    }
    return env;
  }

  private fromExternal(keep: (peer: string) => boolean, source: Source): Envelope {
    const ext = this.ref as Extract<ReferenceSpec, { kind: "external" }>;
    const rows: number[] = [];
    for (let r = 0; r < ext.X.rows; r++) {
      const flags = ext.partial?.[r] ?? 0;
      const usable = (flags & (PARTIAL | LATE)) === 0;
      if (usable && (source === "own" || (flags & SILENT) === 0) && keep(ext.peer[r]!)) rows.push(r);
    }
    return this.summarise(this.sortRows(ext.X, ext.missing, rows), source);
  }

  /** Each feature's measured values over `rows`, sorted. */
  private sortRows(m: Matrix, missing: Uint8Array | undefined, rows: number[]): Sorted {
    const d = this.d;
    const n = new Int32Array(d);
    // One buffer for every feature's values (a view each): sorted per entity, a fork storm's 300,000 entities
    // made a typed array of their own per feature, tens of millions of small allocations.
    const k = rows.length;
    const all = new Float64Array(d * k);
    const values = Array.from({ length: d }, (_, j) => {
      let c = 0;
      const at = j * k;
      for (const r of rows) if (!missing?.[r * d + j]) all[at + c++] = m.data[r * d + j]!;
      n[j] = c;
      return all.subarray(at, at + c).sort();
    });
    return { values, n };
  }

  /**
   * Own and peers: the q[0]–q[1] range, scale from its spread. Everyone: up to the 99th percentile, scale the floor
   * only: processes differ so much that their spread says nothing about one process, but beyond the busiest 1 % of
   * every process's windows is news.
   */
  private summarise(s: Sorted, source: Source): Envelope {
    const d = this.d;
    const all = source === "all";
    const env: Envelope = {
      center: new Float64Array(d),
      lo: new Float64Array(d),
      hi: new Float64Array(d),
      scale: new Float64Array(d),
      n: Int32Array.from(s.n),
      share: new Float64Array(d),
      source: new Array<Source>(d).fill(source),
    };
    for (let j = 0; j < d; j++) {
      const a = s.values[j]!.subarray(0, s.n[j]!);
      env.share[j] = a.length ? (a.length - upperBound(a, a.length, 0)) / a.length : 0;
      // A state's normal is how often it is on (log1p of the share, in the matrix' units of a 0/1 column).
      env.center[j] = this.rare?.[j] ? Math.log1p(env.share[j]!) : quantileSorted(a, 0.5);
      env.lo[j] = quantileSorted(a, this.q[0]);
      env.hi[j] = quantileSorted(a, all ? 0.99 : this.q[1]);
      env.scale[j] = all ? this.floor : Math.max(this.floor, (env.hi[j]! - env.lo[j]!) / 3.29);
    }
    return env;
  }

  /** The entity's full windows before this row's (newest maxHistory), measured values sorted per feature. */
  private ownPast(row: number): Sorted {
    const e = this.ctx.entity[row];
    const w = this.ctx.window[row]!;
    const rows: number[] = [];
    for (let r = 0; r < this.X.rows; r++) {
      if (this.ctx.entity[r] === e && this.ctx.window[r]! < w && this.learntAt[r]! <= w) rows.push(r);
    }
    rows.sort((a, b) => this.ctx.window[a]! - this.ctx.window[b]!);
    return this.sortRows(this.X, this.ctx.missing, rows.slice(-this.maxHistory));
  }

  /** Causal scoring in one pass per entity: sorted windows of its past values per feature, updated as it goes. */
  private scoreCausal(keep?: (row: number, env: Envelope) => void): void {
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
      // never more history than the entity has rows (a short-lived process's few, not maxHistory of each feature)
      const size = Math.min(cap, rows.length);
      const hist: Sorted = { values: Array.from({ length: d }, () => new Float64Array(size)), n: new Int32Array(d) };
      const fifo: number[] = [];
      let pending: number[] = []; // rows of the current window, history once the window is past
      // Anomalous windows of the ongoing episode: withheld while it lasts (an anomaly lasting several windows must
      // not become its own normal), learnt once the entity is back to normal (what recurs, like a batch job's
      // periodic write-out, is the process's normal, and its second occurrence is no news).
      let withheld: number[] = [];
      let current = Number.NaN;
      let windowAnomalous = false;
      // A process there from the capture's first window is no newcomer: until it has a history of its own it is
      // not compared with the others (every process lacks history at the start, and nothing is known yet).
      const fromStart = this.ctx.window[rows[0]!] === 0;
      for (const r of rows) {
        if (this.ctx.window[r] !== current) {
          const next = this.ctx.window[r]!;
          if (!windowAnomalous && !Number.isNaN(current)) {
            for (const p of withheld) this.push(hist, fifo, p, next);
            withheld = [];
          }
          for (const p of pending) this.push(hist, fifo, p, next);
          pending = [];
          current = next;
          windowAnomalous = false;
        }
        if (this.ctx.pooled?.[r]) {
          const env = this.merge(this.noHistory(), r);
          this.scores[r] = this.scoreRow(r, env);
          keep?.(r, env);
          continue;
        }
        const own = this.summarise(hist, "own");
        if (fromStart && !own.n.some((n) => n >= this.minHistory)) {
          if (this.isReference(r)) pending.push(r);
          continue;
        }
        const env = this.merge(own, r);
        const c = this.contributions(r, env);
        let score = 0;
        let againstOwn = 0;
        for (let j = 0; j < d; j++) {
          score += c[j]!;
          if (env.source[j] === "own") againstOwn += c[j]!;
        }
        this.scores[r] = score;
        keep?.(r, env);
        // Withheld: what is anomalous against the entity's own normal (an anomaly must not become its own normal),
        // and a rare state (idle) lasting several windows, however little each window scores (a worker stuck on a
        // lock must not learn within seconds that being stuck is its normal). What sets it apart only from others
        // (a new process, or one that never had this activity before) is learnt, so that it gets a normal of its
        // own: a steady loop that holds 13 % of a CPU, as few others do, is compared with itself from its sixth
        // window on, not with everyone for ever.
        const anomalous = againstOwn >= this.learnBelow || this.inRareState(r, env);
        windowAnomalous ||= anomalous;
        if (this.isReference(r)) (anomalous ? withheld : pending).push(r);
      }
      for (const k of this.scoped) this.cache.delete(k);
      this.scoped = [];
    }
  }

  /** Row r is in a `rare` state that its own history holds in at most 5 % of its windows (see deviations). */
  private inRareState(r: number, env: Envelope): boolean {
    if (!this.rare || ((this.ctx.partial?.[r] ?? 0) & (PARTIAL | LATE)) !== 0) return false;
    for (let j = 0; j < this.d; j++) {
      if (!this.rare[j] || this.ctx.missing?.[r * this.d + j] || !(this.X.data[r * this.d + j]! > 0)) continue;
      if (env.source[j] === "own" && env.n[j]! >= this.minHistory && env.share[j]! <= RARE_STATE_SHARE) return true;
    }
    return false;
  }

  /** Adds row r's measured values to the sorted per-feature history, dropping the oldest row when full. */
  private push(hist: Sorted, fifo: number[], r: number, at: number): void {
    const d = this.d;
    this.learntAt[r] = at;
    const miss = this.ctx.missing;
    if (fifo.length === this.maxHistory) {
      const old = fifo.shift()!;
      for (let j = 0; j < d; j++) {
        if (miss?.[old * d + j]) continue;
        const a = hist.values[j]!;
        const n = hist.n[j]!;
        const i = lowerBound(a, n, this.X.data[old * d + j]!);
        a.copyWithin(i, i + 1, n);
        hist.n[j] = n - 1;
      }
    }
    for (let j = 0; j < d; j++) {
      if (miss?.[r * d + j]) continue;
      const a = hist.values[j]!;
      const n = hist.n[j]!;
      const v = this.X.data[r * d + j]!;
      const i = lowerBound(a, n, v);
      a.copyWithin(i + 1, i, n);
      a[i] = v;
      hist.n[j] = n + 1;
    }
    fifo.push(r);
  }
}

/** What HistoryScorer's commonMode keeps of the first pass, sparsely. */
class CommonShift {
  /** Window index (dense) per window number. */
  readonly windowIndex = new Map<number, number>();
  /** Per (window, feature): rows with their own history of the feature. */
  private readonly eligible: Int32Array;
  /** Per (window, feature): those rows' nonzero deviations, in the matrix' (log) units. */
  private readonly nonzero = new Map<number, number[]>();
  /** Per row: its nonzero deviations as (column, deviation in log units, scale) triples. */
  readonly rowDeviations: (number[] | undefined)[];

  constructor(
    rows: number,
    private readonly d: number,
    private readonly window: ArrayLike<number>,
  ) {
    for (let r = 0; r < rows; r++)
      if (!this.windowIndex.has(window[r]!)) this.windowIndex.set(window[r]!, this.windowIndex.size);
    this.eligible = new Int32Array(this.windowIndex.size * d);
    this.rowDeviations = new Array<number[] | undefined>(rows);
  }

  /** Row r's deviations z (in its envelope's scale units). */
  add(r: number, z: Float64Array, env: Envelope): void {
    const k = this.windowIndex.get(this.window[r]!)! * this.d;
    let mine: number[] | undefined;
    for (let j = 0; j < this.d; j++) {
      // In the matrix' (log) units: a common shift is a common factor, whatever each process's own spread.
      const v = z[j]! * env.scale[j]!;
      if (env.source[j] === "own" && env.center[j]! > 0) {
        this.eligible[k + j]!++;
        if (v !== 0) {
          let list = this.nonzero.get(k + j);
          if (!list) this.nonzero.set(k + j, (list = []));
          list.push(v);
        }
      }
      if (v !== 0) (mine ??= []).push(j, v, env.scale[j]!);
    }
    this.rowDeviations[r] = mine;
  }

  /** The common shifts, or undefined when there is none to take off. */
  shifts(least: number): { up: Float64Array; down: Float64Array; windowIndex: Map<number, number> } | undefined {
    const up = new Float64Array(this.eligible.length);
    const down = new Float64Array(this.eligible.length);
    let any = false;
    for (const [cell, values] of this.nonzero) {
      const n = this.eligible[cell]!;
      if (n < least) continue;
      const pos = values.filter((v) => v > 0).sort((a, b) => a - b);
      const neg = values.filter((v) => v < 0).sort((a, b) => a - b);
      // n values each: max(z, 0) is the n − |pos| zeros then pos; min(z, 0) is neg then the zeros
      up[cell] = medianOf(n, (i) => (i < n - pos.length ? 0 : pos[i - (n - pos.length)]!));
      down[cell] = medianOf(n, (i) => (i < neg.length ? neg[i]! : 0));
      any ||= up[cell]! > 0 || down[cell]! < 0;
    }
    return any ? { up, down, windowIndex: this.windowIndex } : undefined;
  }
}

/** The median of n sorted values given by index. */
function medianOf(n: number, at: (i: number) => number): number {
  const m = n >> 1;
  return n % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/** A state held in at most this share of an entity's windows is outside its normal (as a value past its 95th percentile). */
const RARE_STATE_SHARE = 0.05;

/** z of a state or event seen in `share` of `n` reference windows: √(2 ln 1/p), p = (share·n + ½) / (n + 1). */
function surprise(n: number, share: number): number {
  return Math.sqrt(2 * Math.log((n + 1) / (share * n + 0.5)));
}

/** z moved toward 0 by the common shift in its direction (up ≥ 0, down ≤ 0), never past it. */
function shrink(z: number, up: number, down: number): number {
  return z > 0 ? Math.max(0, z - up) : z < 0 ? Math.min(0, z - down) : 0;
}

/** Index of the first value above v in a[0..n). */
function upperBound(a: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

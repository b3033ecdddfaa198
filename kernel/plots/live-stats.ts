// What a live capture's display shows, computed from the rows each interval adds: event rates, rows and lost
// events per collector, the busiest processes, and a short on-CPU (or events/s) history for the chart.
// Pure data: live.ts feeds it from capture()'s onInterval and renders it with live-view.ts.

import { Frame, isStringColumn } from "../frame/frame.js";
import type { CaptureProgress } from "../capture/engine.js";
import type { LiveDecl } from "../collectors/display-decl.js";
import { displayOfFrame } from "../collectors/registry.js";
import type { Collector } from "../collectors/schema.js";

/** What a collector's main frame (named after it) declares for the live view. */
function liveDeclOf(frame: string, declared: readonly Collector[]): LiveDecl | undefined {
  return displayOfFrame(frame, declared)?.live;
}

/** One named rate of the last interval, e.g. { name: "syscalls/s", value: 41234 }. */
export interface LiveRate {
  name: string;
  /** Events per second over the last interval. */
  value: number;
}

/** A process in the top list: on-CPU share of one CPU over the interval (or the whole capture at the end). */
export interface LiveProcess {
  pid: number;
  comm: string;
  /** On-CPU time as % of one CPU (100 = one core busy the whole time). */
  oncpuPct: number;
  /** Syscalls per second (0 when the syscalls collector is not running). */
  syscallsPerS: number;
}

/** Per collector: rows so far, rows per second in the last interval, events the kernel could not store. */
export interface LiveCollectorRow {
  collector: string;
  rows: number;
  rowsPerS: number;
  lost: number;
}

/** The input of one refresh: what capture()'s CaptureProgress carries, with the frames already taken. */
export interface LiveTickInput {
  elapsedMs: number;
  durationMs: number;
  /**
   * The frames of this tick: every row so far, or only the interval's new rows. With `newRows` the last
   * `newRows[name]` rows of each frame are the new interval (so both forms work); without it, rows past the
   * previous tick's count are.
   */
  frames: Record<string, Frame>;
  lost: Record<string, number>;
  /** Rows the interval added, per collector (CaptureProgress.newRows). */
  newRows?: Record<string, number>;
  /** Rows so far, per collector (CaptureProgress.rows); default the frames' lengths. */
  rows?: Record<string, number>;
  /** How long the interval lasted (CaptureProgress.spanMs); default the interval asked for. */
  spanMs?: number;
}

/** How many ticks the chart keeps (older ones scroll out), and processes remembered per tick. */
const HISTORY_TICKS = 300;
const PROCESSES_PER_TICK = 20;

/**
 * Running statistics of a live capture. `ingest` takes the frames after each interval; the getters describe the
 * last interval, `history` the chart. Rows already seen are skipped, so each call costs O(new rows).
 */
export class LiveStats {
  readonly collectors: string[];
  /** Aggregation interval (ms): the time each interval's rows cover, so rates divide by it. */
  readonly intervalMs: number;
  elapsedMs = 0;
  durationMs = 0;
  rates: LiveRate[] = [];
  table: LiveCollectorRow[] = [];
  top: LiveProcess[] = [];
  /** Chart data: tick times (s since start) and, per process label, on-CPU % per tick (or one "events/s" series). */
  readonly historyT: number[] = [];
  readonly history = new Map<string, number[]>();
  /** Unit of the history values: "% of one CPU" with sched, else "events/s". */
  historyUnit = "events/s";
  private seen: Record<string, number> = {};
  ticks = 0;

  /** How many processes `top` keeps (5 for the notebook panel, a screenful for `bpflab top`). */
  readonly topN: number;

  /** Collectors that are not in the registry (a notebook cell's) whose frames declare how they show. */
  private readonly declared: readonly Collector[];

  constructor(
    collectors: string[],
    intervalMs: number,
    options: { topN?: number; declared?: readonly Collector[] } = {},
  ) {
    this.collectors = collectors;
    this.intervalMs = intervalMs;
    this.topN = options.topN ?? 5;
    this.declared = options.declared ?? [];
  }

  /** Adds the interval capture() just drained: only its new rows (`chunk`), so a long capture costs O(rows). */
  ingestProgress(p: CaptureProgress): void {
    this.ingest({
      elapsedMs: p.elapsedMs,
      durationMs: p.durationMs,
      frames: p.chunk,
      lost: p.lost,
      newRows: p.newRows,
      rows: p.rows,
      ...(p.spanMs !== undefined ? { spanMs: p.spanMs } : {}),
    });
  }

  /** Adds the rows of the interval just drained. */
  ingest(tick: LiveTickInput): void {
    this.elapsedMs = tick.elapsedMs;
    this.durationMs = tick.durationMs;
    this.ticks++;
    // rates over the time the rows cover: an interval ended late by a busy machine holds more than one's worth
    const spanMs = tick.spanMs !== undefined && tick.spanMs > 0 ? tick.spanMs : this.intervalMs;
    const perS = 1000 / spanMs;
    const rates: LiveRate[] = [];
    const table: LiveCollectorRow[] = [];
    let procs = new Map<number, LiveProcess>();
    for (const name of this.collectors) {
      const f = tick.frames[name];
      const to = f?.length ?? 0;
      const fresh = tick.newRows?.[name];
      const from = fresh !== undefined ? Math.max(0, to - fresh) : Math.min(this.seen[name] ?? 0, to);
      const total = tick.rows?.[name] ?? (fresh !== undefined ? (this.seen[name] ?? 0) + (to - from) : to);
      this.seen[name] = total;
      table.push({ collector: name, rows: total, rowsPerS: (to - from) * perS, lost: tick.lost[name] ?? 0 });
      if (!f || to === from) continue;
      // what each collector's main frame declares (FrameDecl.display.live): its rates, and its share of the top
      const live = liveDeclOf(name, this.declared);
      for (const r of live?.rates ?? []) {
        const v = r.columns ? sumCols(f, r.columns, from, to) : to - from;
        if (v !== undefined) rates.push({ name: r.name, value: v * (r.scale ?? 1) * perS });
      }
      if (live?.oncpu) procs = addOncpu(procs, f, from, to, spanMs, live.oncpu);
      if (live?.calls) addCalls(procs, f, from, to, perS, live.calls);
    }
    this.rates = rates;
    this.table = table;
    const ranked = [...procs.values()].sort((a, b) => b.oncpuPct - a.oncpuPct || b.syscallsPerS - a.syscallsPerS);
    this.top = ranked.slice(0, this.topN);
    this.record(tick.elapsedMs / 1000, ranked, rates);
  }

  /** Whether a running collector gives on-CPU time (sched): the top shows on-CPU %, the chart plots it. */
  get hasOncpu(): boolean {
    return this.collectors.some((c) => liveDeclOf(c, this.declared)?.oncpu !== undefined);
  }

  /** Whether a running collector gives calls per process (syscalls): the top shows calls per second. */
  get hasCalls(): boolean {
    return this.collectors.some((c) => liveDeclOf(c, this.declared)?.calls !== undefined);
  }

  /** Appends this tick to the chart history: on-CPU % per process with sched, else the first rate. */
  private record(t: number, ranked: LiveProcess[], rates: LiveRate[]): void {
    const useSched = this.hasOncpu;
    this.historyUnit = useSched ? "% of one CPU" : "events/s";
    const k = this.historyT.length;
    this.historyT.push(t);
    const values = new Map<string, number>();
    if (useSched) {
      for (const p of ranked.slice(0, PROCESSES_PER_TICK)) values.set(`${p.comm} (${p.pid})`, p.oncpuPct);
    } else {
      const r = rates[0];
      values.set(r ? r.name : "rows/s", r ? r.value : this.table.reduce((s, c) => s + c.rowsPerS, 0));
    }
    for (const [label, v] of values) {
      let s = this.history.get(label);
      if (!s) {
        s = new Array<number>(k).fill(0);
        this.history.set(label, s);
      }
      s.push(v);
    }
    for (const s of this.history.values()) if (s.length === k) s.push(0);
    if (this.historyT.length > HISTORY_TICKS) {
      this.historyT.shift();
      for (const [label, s] of this.history) {
        s.shift();
        if (s.every((v) => v === 0)) this.history.delete(label);
      }
    }
  }

  /** The chart's series: the `n` labels with the largest total over the kept history. */
  topSeries(n = 5): { label: string; values: number[] }[] {
    return [...this.history.entries()]
      .map(([label, values]) => ({ label, values, total: values.reduce((a, b) => a + b, 0) }))
      .sort((a, b) => b.total - a.total)
      .slice(0, n)
      .map(({ label, values }) => ({ label, values }));
  }
}

/** Sum of the named columns over rows [from, to); undefined when the frame lacks one of them. */
function sumCols(f: Frame, names: string[], from: number, to: number): number | undefined {
  let s = 0;
  for (const name of names) {
    if (!f.has(name)) return undefined;
    const c = f.column(name);
    if (isStringColumn(c)) return undefined;
    for (let i = from; i < to; i++) s += Number(c[i]!);
  }
  return s;
}

/**
 * The process name of a row without materialising the whole string column: the `process` column (the
 * thread-group leader's comm) when the frame has it, so a process is named alike whichever thread the row is
 * from; the thread's comm otherwise.
 */
function commAt(f: Frame): (row: number) => string {
  const c = f.has("process") ? f.column("process") : f.has("comm") ? f.column("comm") : undefined;
  if (!c || !isStringColumn(c)) return () => "?";
  return (row) => c.dict[c.codes[row]!] ?? "?";
}

function processOf(procs: Map<number, LiveProcess>, pid: number, comm: string): LiveProcess {
  let p = procs.get(pid);
  if (!p) {
    p = { pid, comm, oncpuPct: 0, syscallsPerS: 0 };
    procs.set(pid, p);
  }
  return p;
}

/** Per-process on-CPU share over `spanMs` from sched rows [from, to). */
function addOncpu(
  procs: Map<number, LiveProcess>,
  f: Frame,
  from: number,
  to: number,
  spanMs: number,
  column: string,
): Map<number, LiveProcess> {
  if (!f.has("pid") || !f.has(column)) return procs;
  const pid = f.column("pid") as Uint32Array;
  const on = f.column(column);
  if (isStringColumn(on)) return procs;
  const comm = commAt(f);
  const toPct = 100 / (spanMs * 1e6);
  for (let i = from; i < to; i++) {
    processOf(procs, pid[i]!, comm(i)).oncpuPct += Number(on[i]!) * toPct;
  }
  return procs;
}

function addCalls(
  procs: Map<number, LiveProcess>,
  f: Frame,
  from: number,
  to: number,
  perS: number,
  column: string,
): void {
  if (!f.has("pid") || !f.has(column)) return;
  const pid = f.column("pid") as Uint32Array;
  const n = f.column(column);
  if (isStringColumn(n)) return;
  const comm = commAt(f);
  for (let i = from; i < to; i++) processOf(procs, pid[i]!, comm(i)).syscallsPerS += Number(n[i]!) * perS;
}

/**
 * The busiest processes of a whole capture: on-CPU % of one CPU averaged over `elapsedMs`, syscalls/s likewise.
 */
export function topProcesses(
  frames: Record<string, Frame>,
  elapsedMs: number,
  n = 5,
  declared: readonly Collector[] = [],
): LiveProcess[] {
  const procs = new Map<number, LiveProcess>();
  const span = Math.max(1, elapsedMs);
  for (const [name, f] of Object.entries(frames)) {
    const live = liveDeclOf(name, declared);
    if (live?.oncpu) addOncpu(procs, f, 0, f.length, span, live.oncpu);
    if (live?.calls) addCalls(procs, f, 0, f.length, 1000 / span, live.calls);
  }
  return [...procs.values()].sort((a, b) => b.oncpuPct - a.oncpuPct || b.syscallsPerS - a.syscallsPerS).slice(0, n);
}

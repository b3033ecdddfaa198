// A streaming sequence detector on syscall events (syscalls_events): per program, an n-gram model of its threads'
// calls learns during a warm-up, then scores every interval's calls by negative log-likelihood and alerts when a
// stretch of one thread's calls is far less likely than the program's usual, naming the rarest n-grams.

import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";
import { NgramCounts } from "../detectors/sequence/ngram-counts.js";
import { frameMax, Vocabulary } from "../detectors/sequence/sequence-detector.js";
import type { Alert, AlertDriver, IntervalInput, OnlineDetector } from "./alert.js";

export interface StreamingNgramOptions {
  /** Model order: the call and the n-1 before it (default 3). */
  n?: number;
  /** Intervals with calls a program learns from before it can alert (default 5). */
  warmup?: number;
  /** Calls a program must have learnt before it can alert (default 200). */
  minCalls?: number;
  /** Calls in the locality frame: the tail score is the highest mean NLL of this many consecutive calls (20). */
  frame?: number;
  /** Nats the tail score must exceed the program's usual by to alert (default 3: calls ~20× less likely). */
  threshold?: number;
  /** N-grams never seen in the interval needed for an alert as well (default 3: one odd call is not a pattern). */
  minUnseen?: number;
  /** Entries of a program's n-gram tables before they are halved (default 50,000). */
  maxGrams?: number;
  /** Programs modelled at once; the least recently seen goes first (default 256). */
  maxPrograms?: number;
  /** Intervals without a call after which a program's model (and a thread's context) is dropped (default 60). */
  forget?: number;
  /** Consecutive alerting intervals after which the program learns anyway: a lasting change is the new normal (10). */
  relearnAfter?: number;
  /**
   * Calls scored and learnt per program and interval (default 50,000): bounds the time an interval takes; a
   * busier program's other calls only move its threads' contexts on.
   */
  maxCallsPerInterval?: number;
  /** A syscalls_events frame of normal behaviour to learn before the first interval: its programs start warm. */
  baseline?: Frame;
}

interface Thread {
  /** The last n-1 call ids, the context of the thread's next call across intervals. */
  context: Int32Array;
  last: number;
}

interface Program {
  counts: NgramCounts;
  threads: Map<number, Thread>;
  /** Intervals learnt from. */
  learnt: number;
  last: number;
  /** Exponentially weighted mean of the tail score and of the unseen share of the intervals learnt after warm-up. */
  usualTail: number;
  usualUnseen: number;
  scored: number;
  alertRun: number;
}

/** One interval's calls of one program: per thread, its encoded calls after its context. */
interface Batch {
  pid: Map<number, number>;
  /** Per thread, the calls scored and learnt (within maxCallsPerInterval). */
  threads: Map<number, number[]>;
  /** Per thread, its last n-1 calls of all, the context of its next interval's calls. */
  tails: Map<number, number[]>;
}

/** Weight of a new interval in a program's usual scores. */
const USUAL_WEIGHT = 0.1;
/** The rarest n-grams an alert names. */
const NAMED = 3;

/**
 * Programs are told apart by their process name (`process`, the thread group leader's comm), so every run and
 * every child of a program shares one model, as in Forrest et al.'s per-program profiles; a thread's calls keep
 * their order across intervals through its context. Per interval and program, each call scores
 * −ln P_WB(call | n-1 before it) (NgramCounts, the batch n-gram model's Witten-Bell smoothing); the tail score is
 * the highest mean over `frame` consecutive calls of one thread (Hofmeyr's locality frame: a burst of odd calls is
 * not averaged away by a busy loop). Once warm, a program alerts when its tail score exceeds its usual (the
 * exponentially weighted mean over intervals that did not alert) by `threshold` nats and at least `minUnseen`
 * n-grams of the interval were never seen. Intervals that do not alert are learnt; memory is bounded by
 * `maxGrams` per program (tables halved), `maxPrograms`, and `forget` (programs and threads gone quiet).
 * @example capture({ collectors: { syscalls: { events: true } }, online: [new StreamingNgram()], onAlert })
 */
export class StreamingNgram implements OnlineDetector {
  readonly name = "ngram";
  readonly opts: Required<Omit<StreamingNgramOptions, "baseline">>;
  private vocab = new Vocabulary();
  private programs = new Map<string, Program>();
  private interval = 0;

  constructor(opts: StreamingNgramOptions = {}) {
    this.opts = {
      n: opts.n ?? 3,
      warmup: opts.warmup ?? 5,
      minCalls: opts.minCalls ?? 200,
      frame: opts.frame ?? 20,
      threshold: opts.threshold ?? 3,
      minUnseen: opts.minUnseen ?? 3,
      maxGrams: opts.maxGrams ?? 50_000,
      maxPrograms: opts.maxPrograms ?? 256,
      forget: opts.forget ?? 60,
      relearnAfter: opts.relearnAfter ?? 10,
      maxCallsPerInterval: opts.maxCallsPerInterval ?? 50_000,
    };
    const { n, frame, maxGrams } = this.opts;
    if (!Number.isInteger(n) || n < 1) throw new OptionError(`ngram: n must be ≥ 1, got ${n}`, "default 3");
    if (!Number.isInteger(frame) || frame < 1)
      throw new OptionError(`ngram: frame must be a whole number of calls ≥ 1, got ${frame}`, "default 20");
    if (!(maxGrams >= 100)) throw new OptionError(`ngram: maxGrams must be ≥ 100, got ${maxGrams}`, "default 50000");
    if (opts.baseline) {
      // the baseline's programs learn it all and count as warm
      for (const [name, batch] of this.batches(opts.baseline)) {
        const prog = this.program(name);
        this.learn(prog, batch);
        prog.learnt = Math.max(prog.learnt, this.opts.warmup);
      }
    }
  }

  /** Programs modelled now. */
  get size(): number {
    return this.programs.size;
  }

  /** Entries of every program's n-gram tables (the memory the models hold). */
  get entries(): number {
    let e = 0;
    for (const p of this.programs.values()) e += p.counts.entries;
    return e;
  }

  update(p: IntervalInput, interval: number): Alert[] {
    this.interval++;
    const events = p.chunk["syscalls_events"];
    const alerts: Alert[] = [];
    if (events && events.length) {
      for (const [name, batch] of this.batches(events, p.observer)) {
        const prog = this.program(name);
        const a = this.score(prog, batch, name, p, interval);
        if (a) alerts.push(a);
        prog.alertRun = a ? prog.alertRun + 1 : 0;
        // an alerting interval is not learnt (the anomaly stays one while it lasts), unless the change has lasted
        this.learn(prog, batch, !a || prog.alertRun >= this.opts.relearnAfter);
      }
    }
    this.forgetQuiet();
    return alerts;
  }

  /**
   * The interval's calls grouped per program, then per thread, as vocabulary ids. A new call joins the shared
   * vocabulary at once (the syscall table bounds it): a program that never made it has a count of 0 for it,
   * which scores as an unseen call does.
   */
  private batches(events: Frame, observer?: number): Map<string, Batch> {
    const names = events.strings("syscall");
    const tid = events.numeric("tid"),
      pid = events.numeric("pid");
    const proc = events.has("process") ? events.strings("process") : events.strings("comm");
    const out = new Map<string, Batch>();
    for (let i = 0; i < events.length; i++) {
      if (pid[i] === observer) continue;
      let b = out.get(proc[i]!);
      if (!b) out.set(proc[i]!, (b = { pid: new Map(), threads: new Map(), tails: new Map() }));
      let t = b.threads.get(tid[i]!);
      if (!t) {
        b.threads.set(tid[i]!, (t = []));
        b.pid.set(tid[i]!, pid[i]!);
      }
      t.push(this.vocab.idOf(names[i]!, true));
    }
    const c = this.opts.n - 1;
    for (const b of out.values()) {
      let budget = this.opts.maxCallsPerInterval;
      for (const [tid, ids] of b.threads) {
        b.tails.set(tid, ids.slice(Math.max(0, ids.length - c)));
        if (ids.length > budget) b.threads.set(tid, ids.slice(0, budget));
        budget = Math.max(0, budget - ids.length);
      }
    }
    return out;
  }

  private program(name: string): Program {
    let prog = this.programs.get(name);
    if (!prog) {
      prog = {
        counts: new NgramCounts(this.opts.n),
        threads: new Map(),
        learnt: 0,
        last: this.interval,
        usualTail: 0,
        usualUnseen: 0,
        scored: 0,
        alertRun: 0,
      };
      this.programs.set(name, prog);
      if (this.programs.size > this.opts.maxPrograms) {
        let oldest: string | undefined;
        for (const [k, v] of this.programs) if (!oldest || v.last < this.programs.get(oldest)!.last) oldest = k;
        this.programs.delete(oldest!);
      }
    }
    prog.last = this.interval;
    return prog;
  }

  /** A thread's calls after its context (zeros, the padding, for a thread not seen before). */
  private encoded(prog: Program, tid: number, ids: number[]): Int32Array {
    const c = this.opts.n - 1;
    const t = new Int32Array(c + ids.length);
    const th = prog.threads.get(tid);
    if (th) t.set(th.context);
    t.set(ids, c);
    return t;
  }

  private score(prog: Program, batch: Batch, name: string, p: IntervalInput, interval: number): Alert | undefined {
    const { n, warmup, minCalls, frame, threshold, minUnseen } = this.opts;
    if (prog.learnt < warmup || prog.counts.calls < minCalls) return undefined;
    const v = this.vocab.size - 1;
    let calls = 0,
      unseen = 0,
      tail = 0,
      tailTid = 0,
      sum = 0;
    // where the unseen n-grams are: their text is made only for the few an alert names
    const rare: { nll: number; t: Int32Array; i: number }[] = [];
    for (const [tid, ids] of batch.threads) {
      if (ids.length === 0) continue;
      const t = this.encoded(prog, tid, ids);
      const nll = new Float64Array(t.length - (n - 1));
      for (let i = n - 1; i < t.length; i++) {
        const s = -Math.log(prog.counts.prob(t, i, v));
        nll[i - (n - 1)] = s;
        sum += s;
        if (!prog.counts.seen(t, i)) {
          unseen++;
          rare.push({ nll: s, t, i });
        }
      }
      calls += nll.length;
      const f = frameMax(nll, frame);
      if (f > tail) [tail, tailTid] = [f, tid];
    }
    const share = calls ? unseen / calls : 0;
    const usual = prog.scored ? prog.usualTail : 0;
    const alert = tail > usual + threshold && unseen >= minUnseen;
    if (!alert) {
      // the usual scores of a warm program, from the intervals it learns
      const w = prog.scored ? USUAL_WEIGHT : 1;
      prog.usualTail += w * (tail - prog.usualTail);
      prog.usualUnseen += w * (share - prog.usualUnseen);
      prog.scored++;
      return undefined;
    }
    // the rarest distinct n-grams, each once
    const named = new Map<string, number>();
    for (const r of rare.sort((a, b) => b.nll - a.nll)) {
      if (named.size >= NAMED) break;
      const gram = this.gramText(r.t, r.i);
      if (!named.has(gram)) named.set(gram, r.nll);
    }
    const drivers: AlertDriver[] = [
      { metric: "ngram_tail_nll", value: tail, expected: usual, score: tail - usual },
      { metric: "unseen_ngram_share", value: share, expected: prog.usualUnseen, score: unseen },
      { metric: "ngram_mean_nll", value: calls ? sum / calls : 0, expected: usual, score: calls ? sum / calls : 0 },
      ...[...named].map(([g, s]) => ({ metric: g, value: s, expected: usual, score: s })),
    ];
    const pid = batch.pid.get(tailTid) ?? 0;
    const words = [...named.keys()].map((g) => `${g}, never seen`).join("; ");
    return {
      t_s: p.elapsedMs / 1000,
      interval,
      detector: this.name,
      entity: name,
      pid,
      score: tail - usual,
      threshold,
      drivers,
      message:
        `${name} (${pid}): calls ${Math.exp(-tail).toExponential(1)} likely per call over ${frame} calls ` +
        `(tail NLL ${tail.toFixed(1)}, usually ~${usual.toFixed(1)}), ${unseen} of ${calls} calls in n-grams ` +
        `never seen: ${words}`,
    };
  }

  /** "execve after clone→wait4": the call at i and the calls before it, oldest first (padding left out). */
  private gramText(t: Int32Array, i: number): string {
    const before: string[] = [];
    for (let j = i - this.opts.n + 1; j < i; j++) if (t[j]! > 0) before.push(this.vocab.names[t[j]!]!);
    const call = this.vocab.names[t[i]!]!;
    return before.length ? `${call} after ${before.join("→")}` : `${call} at a thread's start`;
  }

  /** Learns the batch's calls (when `count`) and moves each thread's context on (always). */
  private learn(prog: Program, batch: Batch, count = true): void {
    const c = this.opts.n - 1;
    for (const [tid, ids] of batch.threads) {
      const t = this.encoded(prog, tid, ids);
      if (count) for (let i = c; i < t.length; i++) prog.counts.add(t, i);
      // the context goes on from the thread's last calls, counted or not
      const end = this.encoded(prog, tid, batch.tails.get(tid)!);
      prog.threads.set(tid, { context: end.slice(end.length - c), last: this.interval });
    }
    if (!count) return;
    prog.learnt++;
    if (prog.counts.entries > this.opts.maxGrams) prog.counts.halve();
  }

  /** Drops the programs (and threads) without a call for `forget` intervals. */
  private forgetQuiet(): void {
    const f = this.opts.forget;
    for (const [name, prog] of this.programs) {
      if (this.interval - prog.last >= f) {
        this.programs.delete(name);
        continue;
      }
      for (const [tid, th] of prog.threads) if (this.interval - th.last >= f) prog.threads.delete(tid);
    }
  }
}

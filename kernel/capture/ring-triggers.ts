// The flight recorder's triggers during a capture: a predicate, an online alert or SIGUSR1 either ends the capture
// (its window is what gets stored) or, with onRingDump, hands the window before the trigger to the callback once
// the data up to it has been drained. Pairs with flight-recorder.ts (the window) and engine.ts (the drains).

import { log } from "../log.js";
import type { Alert } from "../online/alert.js";
import { Capture } from "./capture.js";
import type { CaptureMeta } from "./capture-meta.js";
import { MemorySink } from "./capture-sink.js";
import { FlightRecorder, type RingTrigger } from "./flight-recorder.js";
import type { CaptureOptions, CaptureProgress, Plan } from "./plan.js";
import type { StopSwitch } from "./signals.js";

/** The signal that triggers a flight recorder from outside (`kill -USR1 PID`). */
export const RING_SIGNAL = "SIGUSR1";

/** Extra time (s) a dump waits beyond the drained point before it is taken (see ready()). */
const DUMP_MARGIN_S = 0.1;

/** How a trigger that ends the capture says so in the stop reason (not an interruption: the capture is whole). */
const STOP_PREFIX = "ring trigger";

/** True when the capture was ended by a flight-recorder trigger. */
export function ringStopped(reason: string | undefined): boolean {
  return reason?.startsWith(STOP_PREFIX) === true;
}

export class RingTriggers {
  /** The capture's sink: it keeps the window and stores it into the caller's sink (or a MemorySink) at the end. */
  readonly recorder: FlightRecorder;
  private readonly rec: FlightRecorder;
  private readonly opts: CaptureOptions;
  private readonly stop: (why: string) => void;
  private readonly meta: () => CaptureMeta;
  private t0: bigint | undefined;
  private pending: RingTrigger[] = [];
  private unlisten: (() => void) | undefined;
  private alertsSeen = 0;

  /** The flight recorder of a capture with `ring` (none without); `meta` is the capture's metadata so far. */
  static open(plan: Plan, opts: CaptureOptions, stop: StopSwitch, meta: () => CaptureMeta): RingTriggers | undefined {
    if (plan.ringMs === undefined) return undefined;
    const rec = new FlightRecorder(plan.ringMs, plan.intervalMs, opts.sink ?? new MemorySink());
    return new RingTriggers(rec, opts, (why) => stop.stop(why), meta);
  }

  /**
   * `stop` ends the capture (a trigger without onRingDump); `meta` gives the capture's metadata so far (a dump's).
   */
  constructor(rec: FlightRecorder, opts: CaptureOptions, stop: (why: string) => void, meta: () => CaptureMeta) {
    this.rec = this.recorder = rec;
    this.opts = opts;
    this.stop = stop;
    this.meta = meta;
  }

  /** Starts the clock the triggers are timed on (the capture's origin, CLOCK_MONOTONIC) and listens to SIGUSR1. */
  start(t0: bigint, signals: boolean): void {
    this.t0 = t0;
    if (!signals) return;
    const on = () => this.fire(RING_SIGNAL);
    process.on(RING_SIGNAL, on);
    this.unlisten = () => process.off(RING_SIGNAL, on);
  }

  /** A trigger now: the window ends at this moment. Before start() (nothing captured yet) it is ignored. */
  fire(reason: string): void {
    if (this.t0 === undefined) return;
    const t: RingTrigger = { reason, atS: Number(process.hrtime.bigint() - this.t0) / 1e9 };
    log.info(`flight recorder triggered at ${t.atS.toFixed(3)} s: ${reason}`);
    if (!this.opts.onRingDump) {
      this.rec.stopAt(t);
      this.stop(`${STOP_PREFIX} (${reason})`);
      return;
    }
    this.rec.hold(t.atS);
    this.pending.push(t);
  }

  /** After each interval: the predicate, then the alerts this interval raised (`alerts`: all so far). */
  check(p: CaptureProgress, alerts: readonly Alert[]): void {
    const first = alerts[this.alertsSeen];
    this.alertsSeen = alerts.length;
    // one trigger per interval at most: the predicate's, else the first new alert's
    if (this.opts.ringTrigger?.(p)) this.fire("predicate");
    else if ((this.opts.ringOnAlert ?? true) && first) this.fire(`alert: ${first.message}`);
  }

  /**
   * Dumps every pending window that ends DUMP_MARGIN_S before `drainedS` (everything up to there is in the
   * recorder): the margin covers a producer whose vCPU the host stopped between reserving and submitting.
   */
  ready(drainedS: number): void {
    const isDue = (t: RingTrigger) => t.atS + DUMP_MARGIN_S <= drainedS;
    const due = this.pending.filter(isDue);
    if (due.length === 0) return;
    this.pending = this.pending.filter((t) => !isDue(t));
    for (const t of due) this.dump(t);
  }

  /** At the end: every pending window (all data is in). */
  flush(): void {
    const all = this.pending;
    this.pending = [];
    for (const t of all) this.dump(t);
  }

  private dump(t: RingTrigger): void {
    const frames = this.rec.window(t.atS);
    this.rec.release(t.atS);
    const base = this.meta();
    const dump = new Capture({ ...base, elapsedMs: t.atS * 1000, ring: this.rec.ringMeta(t) }, frames);
    try {
      const r = this.opts.onRingDump!(dump);
      if (r && typeof (r as Promise<void>).catch === "function") {
        (r as Promise<void>).catch((e: unknown) => log.warn(`onRingDump failed: ${(e as Error).message}`));
      }
    } catch (e) {
      log.warn(`onRingDump failed: ${(e as Error).message}`);
    }
  }

  close(): void {
    this.unlisten?.();
    this.unlisten = undefined;
  }
}

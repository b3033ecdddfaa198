// SIGINT/SIGTERM/SIGHUP during captures: they end the running captures (keeping their data) instead of the
// process or the notebook cell. One process-wide handler serves every capture running at once.

import { log } from "../log.js";

type Listener = (...args: unknown[]) => void;

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const active = new Set<(signal: NodeJS.Signals) => void>();
let saved: Listener[] = [];

function onSignal(sig: NodeJS.Signals): void {
  for (const stop of [...active]) stop(sig);
}

/**
 * Routes SIGINT, SIGTERM and SIGHUP to `stop` until the returned function is called (idempotent). While any
 * capture holds them, the SIGINT listeners that were there before are suspended and put back when the last
 * one lets go: in a tslab kernel that is tslab's own, which would abandon the running cell and with it the
 * capture's result. Ours is added before theirs go, so a signal never meets no listener (which would kill the
 * process). Overlapping captures each release only their own part.
 *
 * Call it after the first `await` of an async function: tslab runs a cell's synchronous part under vm's
 * breakOnSigint, which hides the process's SIGINT listeners and resets the OS handler when that part ends.
 */
export function takeSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  if (active.size === 0) {
    for (const s of SIGNALS) process.on(s, onSignal);
    saved = process.listeners("SIGINT").filter((l) => l !== onSignal) as Listener[];
    for (const l of saved) process.off("SIGINT", l);
  }
  active.add(stop);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    active.delete(stop);
    if (active.size > 0) return;
    for (const l of saved) if (!process.listeners("SIGINT").includes(l)) process.on("SIGINT", l);
    saved = [];
    for (const s of SIGNALS) process.off(s, onSignal);
  };
}

/**
 * Why a capture stops, and the wait between its ticks: stop() wakes the wait at once. A second signal while
 * the capture is already saving is said, not obeyed: the data would be lost.
 */
export class StopSwitch {
  reason: string | undefined;
  private wake: (() => void) | undefined;
  private warned = false;

  stop(why: string): void {
    if (this.reason !== undefined) {
      if (/^SIG/.test(why) && !this.warned) {
        this.warned = true;
        log.warn(`${why} again: still saving the capture (${this.reason}); it ends on its own in a moment`);
      }
      return;
    }
    this.reason = why;
    this.wake?.();
  }

  /** Waits `ms`, or less if stop() is called meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        r();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  /** Stops on `signal`'s abort (at once if it is already aborted); returns the unsubscribe. */
  watch(signal: AbortSignal | undefined): () => void {
    if (!signal) return () => {};
    const onAbort = () => this.stop("aborted");
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort);
    return () => signal.removeEventListener("abort", onAbort);
  }
}

// live(): a capture whose progress shows in the calling cell, refreshed once per interval in one output.
// Pairs with live-stats.ts (numbers), live-view.ts (the panel) and display.ts (LiveDisplay, the only tslab link).

import { capture, CaptureOptions, CaptureProgress } from "../capture/engine.js";
import { Capture } from "../capture/capture.js";
import { parseDuration } from "../capture/duration.js";
import { loadCapture } from "../capture/load-capture.js";
import { replay, ReplayOptions } from "../capture/replay.js";
import type { Collector } from "../collectors/schema.js";
import type { Alert } from "../online/alert.js";
import { LiveDisplay, LiveDisplayOptions } from "./display.js";
import { LiveStats, topProcesses } from "./live-stats.js";
import { liveView } from "./live-view.js";

export interface LiveOptions extends CaptureOptions {
  /** Heading of the live output (default "Live capture"). */
  title?: string;
  /** Outside a notebook: "stderr" (default) prints one line per refresh, "none" stays silent. */
  fallback?: LiveDisplayOptions["fallback"];
}

/**
 * Captures like `capture()` while the cell shows a live panel: a progress bar, events per second, rows and
 * lost events per collector, the top 5 processes by on-CPU in the last interval and a chart of their on-CPU
 * share, refreshed after every interval (default 1 s) in the same output; at the end it shows the final state
 * (done or interrupted, rows, lost events, top processes over the whole capture).
 *
 * Interrupting the kernel (Jupyter's ■ / "Interrupt", which sends SIGINT to the kernel) stops the capture,
 * detaches every program and resolves with the data captured so far (`meta.interrupted` is true), so the
 * cell completes normally and the result is kept. For that, tslab's own SIGINT handler (which would abandon
 * the cell's promise and report an error) is set aside for the duration of the capture and restored after.
 * SIGTERM and `signal` stop it the same way. Needs root, like `capture()`.
 *
 * @example
 *   const cap = await live({ collectors: ["sched", "syscalls"], duration: "10s" });
 */
export async function live(options: LiveOptions): Promise<Capture> {
  const { title, fallback, onInterval, signal, handleSignals, onAlert, ...rest } = options;
  const names = Array.isArray(rest.collectors)
    ? rest.collectors.map((c) => (typeof c === "string" ? c : c.name))
    : Object.keys(rest.collectors ?? {});
  // a cell's own collectors are not registered: the panel reads their display declarations from them
  const declared = Array.isArray(rest.collectors)
    ? rest.collectors.filter((c): c is Collector => typeof c !== "string")
    : [];
  // Parsed here only for the rates; capture() validates every option again and owns the errors.
  let intervalMs = 1000;
  try {
    intervalMs = parseDuration(rest.interval ?? "1s", "interval", 10, 3_600_000);
  } catch {
    /* capture() throws */
  }
  const panel = {
    names,
    declared,
    intervalMs,
    durationMs: safeDuration(rest.duration),
    title: title ?? "Live capture",
  };
  // capture() takes SIGINT/SIGTERM over (tslab's interrupt included) and stops early, keeping the data
  const alerts = alertBadge(onAlert);
  return showLive(
    panel,
    fallback,
    onInterval,
    (tick) =>
      capture({
        ...rest,
        ...(signal ? { signal } : {}),
        handleSignals: handleSignals ?? true,
        onInterval: tick,
        onAlert: alerts.onAlert,
      }),
    alerts.state,
  );
}

/**
 * The live panel over a saved capture played back (no root): the same view as live(), fed by replay().
 * @example await liveReplay("datasets/redis-injected", { speed: 20 })
 */
export async function liveReplay(
  source: string | Capture,
  opts: ReplayOptions & { title?: string; fallback?: LiveDisplayOptions["fallback"] } = {},
): Promise<Capture> {
  const cap = typeof source === "string" ? await loadCapture(source) : source;
  const { title, fallback, onInterval, onAlert, ...rest } = opts;
  const panel = {
    names: cap.meta.collectors,
    declared: [],
    intervalMs: cap.meta.intervalMs,
    durationMs: cap.meta.elapsedMs,
    title: title ?? `Replay of ${cap.meta.host}`,
  };
  const alerts = alertBadge(onAlert);
  return showLive(
    panel,
    fallback,
    onInterval,
    (tick) => replay(cap, { ...rest, onInterval: tick, onAlert: alerts.onAlert }),
    alerts.state,
  );
}

/** Counts the alerts for the panel's badge, then hands each to the caller's onAlert. */
function alertBadge(next?: (a: Alert) => void) {
  const state: { count: number; last?: string } = { count: 0 };
  return {
    state,
    onAlert: (a: Alert) => {
      state.count++;
      state.last = a.message;
      next?.(a);
    },
  };
}

interface Panel {
  names: string[];
  declared: readonly Collector[];
  intervalMs: number;
  durationMs: number;
  title: string;
}

/** Runs `run` (a capture or a replay) with the panel refreshed at each interval and its final state at the end. */
async function showLive(
  panel: Panel,
  fallback: LiveDisplayOptions["fallback"] | undefined,
  onInterval: ((p: CaptureProgress) => void) | undefined,
  run: (tick: (p: CaptureProgress) => void) => Promise<Capture>,
  alerts: { count: number; last?: string },
): Promise<Capture> {
  const stats = new LiveStats(panel.names, panel.intervalMs, { declared: panel.declared });
  const view = new LiveDisplay({ fallback: fallback ?? "stderr" });
  const heading = panel.title;
  const tick = (p: CaptureProgress) => {
    stats.ingestProgress(p);
    view.update(liveView({ stats, state: "running", title: heading, alerts }));
    onInterval?.(p);
  };
  try {
    // Shown before loading: loading and attaching take a moment, and the cell should say what it is doing.
    stats.durationMs = panel.durationMs;
    view.update(liveView({ stats, state: "running", title: heading }));
    const cap = await run(tick);
    const table = cap.collectors.map((c) => ({
      collector: c,
      rows: cap.frames[c]?.length ?? 0,
      rowsPerS: 0,
      lost: cap.meta.lost[c] ?? 0,
    }));
    view.update(
      liveView({
        stats,
        title: heading,
        state: cap.meta.interrupted ? "interrupted" : "done",
        final: {
          table,
          top: topProcesses(cap.frames, cap.meta.elapsedMs, 5, panel.declared),
          elapsedMs: cap.meta.elapsedMs,
        },
        alerts,
      }),
    );
    return cap;
  } catch (e) {
    view.update(`${heading}: failed: ${(e as Error).message}`);
    throw e;
  } finally {
    view.close();
  }
}

function safeDuration(d: string | number): number {
  try {
    return parseDuration(d, "duration", 10, 7 * 24 * 3_600_000);
  } catch {
    return 0;
  }
}

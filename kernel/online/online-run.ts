// Runs online detectors beside a capture or a replay: each interval's progress goes through every detector, the
// alerts they raise go to onAlert as they happen and into the capture's `alerts` frame (through a capture's sink as
// they come, so a capture written to disk, or a flight recorder's window, keeps them).

import type { Capture } from "../capture/capture.js";
import { Capture as CaptureClass } from "../capture/capture.js";
import type { CaptureSink, SinkFrame } from "../capture/capture-sink.js";
import type { CaptureProgress } from "../capture/plan.js";
import { log } from "../log.js";
import { Alert, ALERT_SCHEMA, alertsFrame, OnlineOptions } from "./alert.js";
import { createOnlineDetectors } from "./online-registry.js";

/** The frame the alerts are saved in. */
export const ALERTS_FRAME = "alerts";

export type { OnlineOptions } from "./alert.js";

/**
 * An onInterval that feeds the detectors before `next`, and the alerts so far. With `sink` (begun with
 * sinkFrames()), each interval's new alerts are appended to it.
 */
export function onlineRun(
  opts: OnlineOptions,
  next?: (p: CaptureProgress) => void,
  sink?: CaptureSink,
  /** The capturing process (IntervalInput.observer). */
  observer?: number,
) {
  const alerts: Alert[] = [];
  // names become detectors once per run (each run learns from nothing)
  const detectors = createOnlineDetectors(opts.online ?? []);
  let interval = 0;
  const tick = (p: CaptureProgress) => {
    const before = alerts.length;
    for (const d of detectors) {
      try {
        for (const a of d.update(observer === undefined ? p : { ...p, observer }, interval)) {
          alerts.push(a);
          opts.onAlert?.(a);
        }
      } catch (e) {
        log.warn(`online detector ${d.name} failed at interval ${interval}: ${(e as Error).message}`);
      }
    }
    if (sink && alerts.length > before) {
      try {
        sink.append(ALERTS_FRAME, alertsFrame(alerts.slice(before)));
      } catch (e) {
        log.warn(`saving the alerts failed: ${(e as Error).message}`);
      }
    }
    interval++;
    next?.(p);
  };
  return {
    tick,
    alerts,
    /** The `alerts` frame, for a capture's sink to declare (none without detectors). */
    sinkFrames(): SinkFrame[] {
      // an alert is a moment (the end of the interval that raised it), so a flight recorder keeps it as an event
      return opts.online?.length ? [{ name: ALERTS_FRAME, schema: ALERT_SCHEMA, events: true }] : [];
    },
    /**
     * The capture with this run's `alerts` frame (when detectors ran); `fromSink`: a capture's own, whose sink got
     * the alerts (a flight recorder's window of them), is kept when it has one. A replay's is always replaced.
     */
    finish(cap: Capture, fromSink = false): Capture {
      if (!opts.online?.length || (fromSink && cap.frames[ALERTS_FRAME])) return cap;
      return new CaptureClass(cap.meta, { ...cap.frames, [ALERTS_FRAME]: alertsFrame(alerts) });
    },
  };
}

// Runs online detectors beside a capture or a replay: each interval's progress goes through every detector, the
// alerts they raise go to onAlert as they happen and, at the end, into the capture's `alerts` frame.

import type { Capture } from "../capture/capture.js";
import { Capture as CaptureClass } from "../capture/capture.js";
import type { CaptureProgress } from "../capture/plan.js";
import { log } from "../log.js";
import { Alert, alertsFrame, OnlineOptions } from "./alert.js";

export type { OnlineOptions } from "./alert.js";

/** An onInterval that feeds the detectors before `next`, and the alerts so far. */
export function onlineRun(opts: OnlineOptions, next?: (p: CaptureProgress) => void) {
  const alerts: Alert[] = [];
  let interval = 0;
  const tick = (p: CaptureProgress) => {
    for (const d of opts.online ?? []) {
      try {
        for (const a of d.update(p, interval)) {
          alerts.push(a);
          opts.onAlert?.(a);
        }
      } catch (e) {
        log.warn(`online detector ${d.name} failed at interval ${interval}: ${(e as Error).message}`);
      }
    }
    interval++;
    next?.(p);
  };
  return {
    tick,
    alerts,
    /** The capture with an `alerts` frame added (when detectors ran). */
    finish(cap: Capture): Capture {
      if (!opts.online?.length) return cap;
      return new CaptureClass(cap.meta, { ...cap.frames, alerts: alertsFrame(alerts) });
    },
  };
}

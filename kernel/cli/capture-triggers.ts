// `bpflab capture`'s flight recorder and online alerts: --ring D (keep only the last D), --ring-dumps DIR (each
// trigger saves its window there and the capture goes on) and --alerts / --online LIST (online detectors, one line
// per alert, and a trigger of the ring), translated into CaptureOptions.

import { join } from "node:path";
import type { Capture } from "../capture/capture.js";
import type { CaptureOptions } from "../capture/plan.js";
import { parseDuration } from "../capture/duration.js";
import { OutputDir, parseMode, prepareOutput } from "../capture/output-dir.js";
import { saveCapture } from "../capture/save-capture.js";
import { OptionError } from "../errors.js";
import { log } from "../log.js";
import type { Alert } from "../online/alert.js";
import type { Invocation, OptionSpec } from "./command.js";
import { MAX_DURATION_MS } from "./capture-options.js";
import { alertLine, onlineDetectorsOf, onlineOptionSpecs } from "./online-flags.js";

export const triggerOptionSpecs: OptionSpec[] = [
  {
    flags: "--ring <D>",
    description:
      "flight recorder: keep only the last D (30s, 2m) in bounded memory and save that window at the end, on " +
      "Ctrl-C, or at the first trigger (kill -USR1 PID, an --alerts alert), which ends the capture",
  },
  {
    flags: "--ring-dumps <DIR>",
    description: "with --ring: each trigger saves its window into DIR/dump-N (new folders) and the capture goes on",
  },
  ...onlineOptionSpecs.map((o) => ({ ...o, description: `${o.description}; with --ring an alert triggers` })),
];

/** The capture options the flags ask for, and how to wait for the dumps still being written. */
export interface CaptureTriggers {
  options: Partial<CaptureOptions>;
  /** Dump folders written so far (waits for those being written). */
  dumps(): Promise<string[]>;
  /** Alerts raised, in order. */
  alerts: Alert[];
  /** Lets go of the --ring-dumps folder (removes it when the capture failed and it is still empty). */
  close(failed: boolean): void;
}

export async function resolveTriggers(inv: Invocation): Promise<CaptureTriggers> {
  const ringText = inv.string("ring");
  const dumpDir = inv.string("ring-dumps");
  const alerts: Alert[] = [];
  const writing: Promise<string | undefined>[] = [];
  const options: Partial<CaptureOptions> = {};
  let root: OutputDir | undefined;
  if (ringText !== undefined) options.ring = parseDuration(ringText, "ring", 10, MAX_DURATION_MS);
  else if (dumpDir !== undefined)
    throw new OptionError("--ring-dumps needs --ring", "add --ring 30s (the window kept)");
  const online = onlineDetectorsOf(inv);
  if (online) {
    options.online = online;
    options.onAlert = (a) => {
      alerts.push(a);
      process.stderr.write(alertLine(a));
    };
  }
  if (dumpDir !== undefined) {
    const mode = inv.string("mode");
    const fileMode = mode !== undefined ? { mode: parseMode(mode) } : {};
    // checked (new or empty, ours, no symlink on the way) before anything attaches
    const dumps = await prepareOutput(dumpDir, fileMode);
    root = dumps;
    let n = 0;
    options.onRingDump = (dump: Capture) => {
      const dir = join(dumps.path, `dump-${String(++n).padStart(3, "0")}`);
      writing.push(
        saveCapture(dump, dir, fileMode).then(
          () => {
            log.info(`flight recorder: saved ${dir} (${dump.meta.ring?.trigger})`);
            return dir;
          },
          (e: unknown) => {
            log.warn(`flight recorder: saving ${dir} failed: ${(e as Error).message}`);
            return undefined;
          },
        ),
      );
    };
  }
  return {
    options,
    alerts,
    dumps: async () => (await Promise.all(writing)).filter((d): d is string => d !== undefined),
    close: (failed) => (failed ? root?.discard() : root?.close()),
  };
}

/** One line on what a flight recorder kept (none without --ring). */
export function ringLine(cap: Capture): string | undefined {
  const r = cap.meta.ring;
  if (!r) return undefined;
  return (
    `flight recorder: kept ${r.fromS.toFixed(3)}–${r.triggerS.toFixed(3)} s (the last ${r.windowMs / 1000} s) ` +
    `before ${r.trigger}`
  );
}

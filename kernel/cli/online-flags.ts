// `--online zscore,ewma,ngram` and `--alerts` (the streaming z alone) for `bpflab capture` and `bpflab replay`:
// which online detectors run, and one line on stderr per alert as it fires.

import type { Alert, OnlineDetector } from "../online/alert.js";
import { createOnlineDetectors, onlineDetectorNames } from "../online/online-registry.js";
import type { Invocation, OptionSpec } from "./command.js";

export const onlineOptionSpecs: OptionSpec[] = [
  {
    flags: "--alerts",
    description: "run the online detector (streaming robust z), print each alert as it fires (--online zscore)",
  },
  {
    flags: "--online <LIST>",
    repeatable: true,
    split: true,
    choices: onlineDetectorNames,
    description:
      "online detectors to run, printing each alert: zscore (streaming robust z), ewma (EWMA forecast band), " +
      "ngram (n-gram model of each program's syscalls; needs -c syscalls --events)",
  },
];

/** The detectors the flags ask for (none: undefined), streaming z first when --alerts is given too. */
export function onlineDetectorsOf(inv: Invocation): OnlineDetector[] | undefined {
  const names = [...(inv.flag("alerts") ? ["zscore"] : []), ...inv.strings("online")];
  const unique = [...new Set(names)];
  return unique.length ? createOnlineDetectors(unique) : undefined;
}

/** An alert as one line: time, detector, message. */
export function alertLine(a: Alert): string {
  return `ALERT ${a.t_s.toFixed(1)} s ${a.detector}: ${a.message}\n`;
}

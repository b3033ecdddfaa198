// The collectors bpflab knows, by name. Adding a collector is its two BPF files, its declaration and one line
// here; the layout check, the CLI flags, the config schema and the listing all read this registry.

import { OptionError } from "../errors.js";
import { disk } from "./disk.js";
import { locks } from "./locks.js";
import { memory } from "./memory.js";
import { net } from "./net.js";
import { offcpu } from "./offcpu.js";
import { processEvents } from "./process.js";
import { profile } from "./profile.js";
import { sched } from "./sched.js";
import { signals } from "./signals.js";
import type { Collector } from "./schema.js";
import { syscalls } from "./syscalls.js";
import { ufunc } from "./ufunc.js";

export const collectors: Readonly<Record<string, Collector>> = {
  sched,
  syscalls,
  process: processEvents,
  memory,
  net,
  ufunc,
  profile,
  offcpu,
  disk,
  signals,
  locks,
};

/** The collector called `name`; an unknown name lists the known ones. */
export function getCollector(name: string): Collector {
  const c = Object.hasOwn(collectors, name) ? collectors[name] : undefined;
  if (!c) {
    throw new OptionError(
      `unknown collector "${name}"`,
      `known collectors: ${Object.keys(collectors).join(", ")} (see \`bpflab collectors\`)`,
    );
  }
  return c;
}

/** The collector whose frames include `frame` (a collector's main frame has its name), if any. */
export function collectorOfFrame(frame: string): Collector | undefined {
  return Object.values(collectors).find((c) => c.frames.some((f) => f.name === frame));
}

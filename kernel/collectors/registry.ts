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
import type { DisplayDecl } from "./display-decl.js";
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

/**
 * How the frame called `frame` shows (FrameDecl.display): declared by one of `extra` (collectors that are not
 * registered, e.g. a notebook cell's) or by a registered collector. The live view and the report read only this.
 */
export function displayOfFrame(frame: string, extra: readonly Collector[] = []): DisplayDecl | undefined {
  const owner = extra.find((c) => c.frames.some((f) => f.name === frame)) ?? collectorOfFrame(frame);
  return owner?.frames.find((f) => f.name === frame)?.display;
}

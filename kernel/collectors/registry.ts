// The collectors bpflab knows, by name. Adding a collector is one line here plus its own two files.

import { OptionError } from "../errors.js";
import type { Collector } from "./collector.js";
import { memory } from "./memory.js";
import { net } from "./net.js";
import { processEvents } from "./process.js";
import { sched } from "./sched.js";
import { syscalls } from "./syscalls.js";
import { ufunc } from "./ufunc.js";

export const collectors: Readonly<Record<string, Collector<any>>> = {
  sched,
  syscalls,
  process: processEvents,
  memory,
  net,
  ufunc,
};

/** The collector called `name`; an unknown name lists the known ones. */
export function getCollector(name: string): Collector<any> {
  const c = collectors[name];
  if (!c) {
    throw new OptionError(
      `unknown collector "${name}"`,
      `known collectors: ${Object.keys(collectors).join(", ")} (see \`bpflab collectors\`)`,
    );
  }
  return c;
}

// `it` for tests that need root without BPF (mounting a tmpfs, adding a user): skipped with a reason when not
// root, never under CI=true, where they run and fail.

import { it } from "vitest";

const isRoot = process.geteuid?.() === 0;
const enforce = process.env.CI === "true";

export function rootIt(name: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (!isRoot && !enforce) it.skip(`${name} [skipped: needs root]`, fn, timeout);
  else it(name, fn, timeout);
}

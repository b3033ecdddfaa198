// Builds (once, through test/workloads/Makefile) and locates test/workloads/stacks, the workload whose stacks
// the profile and offcpu tests know (spin_a/spin_b at 3:1, sleeper in nanosleep, failing openat calls).

import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = join(__dirname, "..", "workloads");
const bin = join(dir, ".output", "stacks");

/** Path of the stacks workload, rebuilt with make when missing or older than its source. */
export function stacksTargetPath(): string {
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(join(dir, "stacks.c")).mtimeMs) {
    execFileSync("make", ["-s", "-C", dir, ".output/stacks"], { stdio: "inherit" });
  }
  return bin;
}

// Builds (once) and locates test/workloads/workload, the program whose behaviour the live tests know exactly.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = join(__dirname, "..", "workloads");
const src = join(dir, "workload.c");
const bin = join(dir, ".output", "workload");

/** Path of the workload binary, compiled with cc when missing or older than its source. */
export function workloadPath(): string {
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(join(dir, ".output"), { recursive: true });
    execFileSync("cc", ["-O2", "-Wall", "-pthread", "-o", bin, src], { stdio: "inherit" });
  }
  return bin;
}

// Where bpflab's own files are, wherever it runs from (kernel/ under vitest and tsx, dist/ when built).

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The package root: the nearest folder above this file with bpflab's package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = join(dir, "package.json");
    if (existsSync(pj) && JSON.parse(readFileSync(pj, "utf8")).name === "bpflab") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`bpflab: cannot find the package root above ${__dirname}`);
    dir = up;
  }
}

/** Built BPF objects (`npm run build:bpf`); BPFLAB_OBJECT_DIR overrides. */
export function objectDir(): string {
  return process.env.BPFLAB_OBJECT_DIR ?? join(packageRoot(), "bpf", ".output");
}

export const BPFLAB_VERSION: string = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version;

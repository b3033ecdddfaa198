// Runs the bpflab CLI as a user does (node on the sources through tsx), for the CLI tests.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const root = join(__dirname, "../..");
export const cliPath = join(root, "kernel/cli/main.ts");
/** tsx's loader by path, so the CLI also runs from another working directory. */
export const tsxImport = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
/** node arguments that run the CLI on the sources: `[...cliArgv, "capture", ...]`. */
export const cliArgv = ["--import", tsxImport, cliPath];

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `bpflab ...args` and waits for it. */
export function bpflab(args: string[], opts: { timeout?: number; cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [...cliArgv, ...args], {
    cwd: opts.cwd ?? root,
    encoding: "utf8",
    timeout: opts.timeout ?? 120_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

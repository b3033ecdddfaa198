#!/usr/bin/env node
// The bpflab command line: parses argv with the program built from the command definitions (commands.ts), runs
// the command and turns errors into one line with a hint (exit 2 bad usage, 1 anything else; stacks with -v).

import "./signal-guard.js"; // first: see there
import { CommanderError } from "commander";
import { BpflabError, CommandNotFoundError, OptionError } from "../errors.js";
import { setVerbose } from "../log.js";
import { commands } from "./commands.js";
import { buildProgram, commandIn, globalHelp, usageError } from "./program.js";

/** Runs one command line; resolves to its exit code (errors are thrown, see `run`). */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stdout.write(globalHelp(commands) + "\n");
    return 2;
  }
  if (isVerbose(argv)) setVerbose(true);
  const result = { code: 0 };
  const program = buildProgram(commands, argv, result);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      const err = usageError(
        e,
        commandIn(commands, argv),
        commands.map((c) => c.name),
      );
      if (err) throw err;
      return e.exitCode;
    }
    throw e;
  }
  return result.code;
}

/** -v or --verbose before any `--` (after it, they belong to the command being traced). */
function isVerbose(argv: readonly string[]): boolean {
  const dd = argv.indexOf("--");
  const head = dd >= 0 ? argv.slice(0, dd) : argv;
  return head.includes("-v") || head.includes("--verbose");
}

/** Writes an error as bpflab does: one line and its hint; the stack too with --verbose. */
export function reportError(e: unknown, verbose: boolean): number {
  if (e instanceof BpflabError) {
    process.stderr.write(`bpflab: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    // a traced command that cannot be started exits 127, as a shell says "command not found"
    if (e instanceof CommandNotFoundError) return e.exitCode;
    return e instanceof OptionError ? 2 : 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // Not one of ours: a bug or an unexpected system error. One line unless asked for more.
  process.stderr.write(
    verbose
      ? `bpflab: ${err.stack ?? err.message}\n`
      : `bpflab: ${err.message.split("\n")[0]}\n  hint: run again with --verbose for the stack, and report it if it looks like a bug\n`,
  );
  return 1;
}

/** Runs the CLI and sets the exit code: 0 done, 2 bad usage (OptionError), 1 any other error. */
export function run(argv = process.argv.slice(2)): void {
  const verbose = isVerbose(argv);
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = reportError(e, verbose);
    },
  );
}

if (require.main === module) run();

// The parser, every --help and the usage errors, generated from the command definitions (command.ts) with
// commander; the global help also lists the collectors of the registry, so it cannot go stale.

import { Command, CommanderError, Option } from "commander";
import { OptionError } from "../errors.js";
import { collectors } from "../collectors/registry.js";
import { BPFLAB_VERSION } from "../paths.js";
import { CommandSpec, Example, Invocation, OptionSpec, longName } from "./command.js";

const TAGLINE = "eBPF captures of this machine as dataframes and Parquet, and anomaly detection on them";

/** Global options every command takes (shown once in the global help, and in each command's help). */
const VERBOSE: OptionSpec = {
  flags: "-v, --verbose",
  description: "debug log of libbpf and bpflab on stderr, and the stack of an error",
};
const JSON_OPTION: OptionSpec = { flags: "--json", description: "print the result as JSON on stdout" };

/** The EXAMPLES block, comments aligned as in libbpf-tools' --help. */
export function examplesBlock(examples: readonly Example[], indent = "  "): string {
  const width = Math.min(72, Math.max(...examples.map(([c]) => c.length)));
  return examples.map(([cmd, what]) => `${indent}${cmd.padEnd(width)}  # ${what}`.replace(/\s+# $/, "")).join("\n");
}

function optionOf(spec: OptionSpec): Option {
  const o = new Option(spec.flags, spec.description);
  if (spec.choices) o.choices(spec.choices);
  if (spec.repeatable) {
    o.argParser((v: string, prev: unknown) => [
      ...(Array.isArray(prev) ? (prev as string[]) : []),
      ...(spec.split ? v.split(",").filter((s) => s !== "") : [v]),
    ]);
  }
  if (spec.defaultText) o.default(undefined, spec.defaultText);
  if (spec.group) o.helpGroup(spec.group);
  if (spec.hidden) o.hideHelp();
  return o;
}

function optionsOf(spec: CommandSpec): readonly OptionSpec[] {
  const own = typeof spec.options === "function" ? spec.options() : (spec.options ?? []);
  return [...own, ...(spec.json ? [JSON_OPTION] : []), VERBOSE];
}

/** The commander command of one definition; its action stores the body's exit code in `result`. */
function subcommand(spec: CommandSpec, result: { code: number }, argv: readonly string[]): Command {
  const cmd = new Command(spec.name)
    .summary(spec.summary)
    .description(
      `${spec.description ?? spec.summary}${spec.needsRoot ? "\nNeeds root (or CAP_BPF + CAP_PERFMON)." : ""}`,
    )
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false);
  const variadic = spec.args?.find((a) => a.variadic && !a.required);
  if (variadic && spec.args?.length === 1) cmd.usage(`[options] [-- ${variadic.name}...]`);
  for (const a of spec.args ?? []) {
    const name = `${a.name}${a.variadic ? "..." : ""}`;
    cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
  }
  for (const o of optionsOf(spec)) cmd.addOption(optionOf(o));
  cmd.addHelpText("after", `\nEXAMPLES\n${examplesBlock(spec.examples)}${spec.notes ? `\n\n${spec.notes}` : ""}`);
  cmd.action(async (...params: unknown[]) => {
    // commander passes the positionals, then the options object, then the command.
    const self = params[params.length - 1] as Command;
    const opts = self.opts();
    const operands = self.args;
    const dd = argv.indexOf("--");
    const rest = dd >= 0 ? argv.slice(dd + 1) : [];
    const args = operands.slice(0, operands.length - rest.length);
    result.code = await spec.run(new Invocation(spec.name, args, opts, rest));
  });
  return cmd;
}

/** The global help: commands, collectors (from the registry), global options, one example per command. */
export function globalHelp(specs: readonly CommandSpec[]): string {
  const w = Math.max(...specs.map((s) => s.name.length), ...Object.keys(collectors).map((n) => n.length)) + 2;
  const cmds = specs.map((s) => `  ${s.name.padEnd(w)}${s.summary}${s.needsRoot ? " (root)" : ""}`);
  const cols = Object.values(collectors).map((c) => `  ${c.name.padEnd(w)}${c.description}`);
  const examples = specs.flatMap((s) => s.examples.slice(0, 1));
  return [
    `bpflab ${BPFLAB_VERSION}: ${TAGLINE}`,
    "",
    "USAGE",
    "  bpflab <command> [options] [arguments]",
    "  bpflab <command> --help           a command's options and examples",
    "",
    "COMMANDS",
    ...cmds,
    "",
    "COLLECTORS (bpflab collectors lists their options and columns)",
    ...cols,
    "",
    "GLOBAL OPTIONS",
    "  -h, --help       this help, or a command's",
    "  -V, --version    print bpflab's version",
    `  -v, --verbose    ${VERBOSE.description}`,
    `      --json       ${JSON_OPTION.description} (commands that print results)`,
    "",
    "EXAMPLES",
    examplesBlock(examples),
    "",
    "Ctrl-C ends a capture early and keeps the data captured until then. Exit codes: 0 done, 1 error, 2 bad usage.",
  ].join("\n");
}

/** The whole program: every command of `specs`; `result.code` holds the exit code of the body that ran. */
export function buildProgram(
  specs: readonly CommandSpec[],
  argv: readonly string[],
  result: { code: number },
): Command {
  const program = new Command("bpflab")
    .version(`bpflab ${BPFLAB_VERSION}`, "-V, --version", "print bpflab's version")
    .helpOption("-h, --help", "show this help")
    .option("-v, --verbose", VERBOSE.description)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeErr: () => {}, outputError: () => {} });
  program.configureHelp({ formatHelp: () => `${globalHelp(specs)}\n` });
  for (const spec of specs) {
    const sub = subcommand(spec, result, argv)
      .exitOverride()
      .configureOutput({ writeErr: () => {}, outputError: () => {} });
    program.addCommand(sub);
  }
  program.addHelpCommand("help [command]", "help of a command");
  return program;
}

/**
 * A commander error (unknown option, missing value, bad choice, too many arguments) as bpflab's usage error: one
 * line that echoes what was typed and a hint. Help and --version output come back as `null` with their exit code.
 */
export function usageError(
  e: CommanderError,
  command: string | undefined,
  commandNames: readonly string[],
): OptionError | null {
  if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
    return null;
  const lines = e.message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const what = (lines[0] ?? "bad usage").replace(/^error: /, "");
  const suggestion = lines.find((l) => /^\(Did you mean/i.test(l))?.replace(/^\((.*)\)$/, "$1");
  const where = command ? `bpflab ${command} --help` : "bpflab --help";
  const hint = suggestion
    ? `${suggestion.replace(/^Did/, "did")} (${where})`
    : e.code === "commander.unknownCommand"
      ? `commands: ${commandNames.join(", ")} (bpflab --help)`
      : `see ${where}`;
  return new OptionError(what, hint);
}

/** The name of the subcommand in `argv` (the first word that names one), for error messages. */
export function commandIn(specs: readonly CommandSpec[], argv: readonly string[]): string | undefined {
  const names = new Set(specs.map((s) => s.name));
  return argv.find((a) => names.has(a));
}

/** Every long option a definition produces (for tests that check the help lists each one). */
export function longOptions(spec: CommandSpec): string[] {
  return optionsOf(spec)
    .filter((o) => !o.hidden)
    .map((o) => longName(o.flags));
}

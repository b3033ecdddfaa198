// The one definition of a bpflab command (options, arguments, examples, body), and the typed, checked access a
// body has to what the user typed. program.ts turns these definitions into the parser, every --help and the errors.

import { OptionError } from "../errors.js";

/** One option as the user types it. */
export interface OptionSpec {
  /** Commander syntax: "-d, --duration <D>", "--json", "--no-latency", "--ufunc <BIN:SYM>". */
  flags: string;
  description: string;
  /** The option may be given several times; its values are collected in order ("a,b" splits when `split`). */
  repeatable?: boolean;
  /** With `repeatable`: also split each value at commas (`-c sched,syscalls`). */
  split?: boolean;
  /** Allowed values; anything else is a usage error that lists them. */
  choices?: readonly string[];
  /** The default as help shows it (the body applies it, so a config file can still tell "not given"). */
  defaultText?: string;
  /** Help heading this option is listed under (default "Options:"). */
  group?: string;
  /** Kept working but left out of help (deprecated spellings). */
  hidden?: boolean;
}

/** One positional argument. */
export interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Takes every remaining positional (after `--` for a command to run). */
  variadic?: boolean;
}

/** An example for the EXAMPLES block: the command line and what it does. */
export type Example = readonly [command: string, what: string];

export interface CommandSpec {
  name: string;
  /** One line for the global help. */
  summary: string;
  /** A paragraph for this command's help (default: the summary). */
  description?: string;
  args?: readonly ArgSpec[];
  /** Options, or a function returning them (for options read from the collector registry when help is built). */
  options?: readonly OptionSpec[] | (() => readonly OptionSpec[]);
  /** Adds `--json`: print the result as JSON on stdout instead of text. */
  json?: boolean;
  /** Capturing needs root (or CAP_BPF + CAP_PERFMON); said in help. */
  needsRoot?: boolean;
  examples: readonly Example[];
  /** Text after the examples (caveats, exit codes). */
  notes?: string;
  /** The command's body: returns the exit code. Throw OptionError for bad usage (exit 2), BpflabError else (1). */
  run(inv: Invocation): Promise<number> | number;
}

/** Identity helper that gives a definition its type where it is written. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}

/** The long name of an option's flags: "-d, --duration <D>" → "duration", "--no-latency" → "no-latency". */
export function longName(flags: string): string {
  const m = /--([a-z0-9][a-z0-9-]*)/.exec(flags);
  if (!m) throw new Error(`option flags without a long name: ${flags}`);
  return m[1]!;
}

/** Commander's attribute name of a long option: "rank-by" → "rankBy", "no-latency" → "latency". */
export function attributeName(long: string): string {
  const base = long.startsWith("no-") ? long.slice(3) : long;
  return base.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * What the user typed for one command: positionals, the words after `--`, and checked accessors for the options
 * (each error names the flag, echoes the value and says what is accepted).
 */
export class Invocation {
  constructor(
    /** The command's name ("capture"). */
    readonly command: string,
    /** Positional arguments, in order (a variadic last one is spread). */
    readonly args: readonly string[],
    private readonly opts: Readonly<Record<string, unknown>>,
    /** The words after a literal `--` (a command to run), empty when there was none. */
    readonly rest: readonly string[],
  ) {}

  /** True when the option was given (booleans: when set to a non-default value). */
  has(long: string): boolean {
    const v = this.opts[attributeName(long)];
    if (Array.isArray(v)) return v.length > 0;
    if (long.startsWith("no-")) return v === false;
    return v !== undefined && v !== false;
  }

  /** A string option, or undefined when not given. */
  string(long: string): string | undefined {
    const v = this.opts[attributeName(long)];
    if (v === undefined || v === true || v === false) return undefined;
    return Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  }

  /** Every value of a repeatable option, in order (empty when not given). */
  strings(long: string): string[] {
    const v = this.opts[attributeName(long)];
    if (v === undefined || typeof v === "boolean") return [];
    return Array.isArray(v) ? v.map(String) : [String(v)];
  }

  /** A boolean flag (`--json`) or negatable one (`--no-latency` → flag("no-latency") is true when given). */
  flag(long: string): boolean {
    const v = this.opts[attributeName(long)];
    return long.startsWith("no-") ? v === false : v === true;
  }

  /** `--json` was given. */
  get json(): boolean {
    return this.flag("json");
  }

  /** An integer option within [min, max]; `fallback` when not given. */
  int(long: string, bounds: { min?: number; max?: number } = {}, fallback?: number): number | undefined {
    const s = this.string(long);
    if (s === undefined) return fallback;
    // decimal digits only: Number() would read "0x10" as 16 and "1e3" as 1000
    const n = /^\s*-?\d+\s*$/.test(s) ? Number(s) : NaN;
    const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
    const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
    if (s.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
      const range =
        bounds.min !== undefined && bounds.max !== undefined
          ? `between ${min} and ${max}`
          : bounds.min !== undefined
            ? `of at least ${min}`
            : "";
      throw new OptionError(`bad --${long}: ${JSON.stringify(s)}`, `pass an integer ${range}`.trim());
    }
    return n;
  }

  /** One of `choices`, or undefined when not given. */
  choice<T extends string>(long: string, choices: readonly T[]): T | undefined {
    const s = this.string(long);
    if (s === undefined) return undefined;
    if (!(choices as readonly string[]).includes(s)) {
      throw new OptionError(`bad --${long}: ${JSON.stringify(s)}`, `use one of: ${choices.join(", ")}`);
    }
    return s as T;
  }

  /** The single positional argument `what`, or a usage error naming it. */
  one(what: string, usage: string): string {
    if (this.args.length !== 1 || !this.args[0]) {
      throw new OptionError(
        `${this.command} takes one ${what}${this.args.length > 1 ? `, got ${this.args.length}: ${this.args.join(" ")}` : ""}`,
        usage,
      );
    }
    return this.args[0];
  }
}

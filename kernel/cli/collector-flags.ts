// Command-line flags generated from the collectors' documented options (the registry), and their application to
// a capture's collector spec. A new collector's options become flags without touching the CLI.

import { OptionError } from "../errors.js";
import type { Collector } from "../collectors/schema.js";
import type { Invocation, OptionSpec } from "./command.js";

/** A collector option as declared, whatever shape the collector module uses (list of docs or a record). */
export interface OptionDecl {
  name: string;
  type: string;
  default: unknown;
  description: string;
  /** The flag as the collector spells it: "--no-latency", "--ufunc BIN:SYM". */
  cli?: string;
}

/** Spellings for options declared without a `cli` field, where the generic rule would read badly. */
const FALLBACK_CLI: Record<string, string> = { "ufunc.functions": "--ufunc BIN:SYM" };

/** The options a collector declares: `options` as a list of docs, or as a record of declarations by name. */
export function optionDecls(c: Collector): OptionDecl[] {
  const raw: unknown = c.options;
  const entries: [string | undefined, unknown][] = Array.isArray(raw)
    ? raw.map((d) => [undefined, d])
    : raw && typeof raw === "object"
      ? Object.entries(raw)
      : [];
  const out: OptionDecl[] = [];
  for (const [key, d] of entries) {
    if (!d || typeof d !== "object") continue;
    const o = d as Record<string, unknown>;
    const name = typeof o["name"] === "string" ? o["name"] : key;
    if (!name) continue;
    const description = String(o["description"] ?? o["doc"] ?? "");
    out.push({
      name,
      type: typeof o["type"] === "string" ? o["type"] : typeof o["default"],
      default: o["default"],
      description,
      ...(typeof o["cli"] === "string" ? { cli: o["cli"] } : {}),
    });
  }
  return out;
}

/** What giving a flag does to one collector's option. */
interface Binding {
  collector: string;
  option: string;
  kind: "negate" | "enable" | "list" | "value";
  numeric: boolean;
}

/** One generated flag and the collector options it sets. */
export interface CollectorFlag {
  spec: OptionSpec;
  long: string;
  bindings: Binding[];
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flag of an option: its `cli` field, a fallback spelling, or one derived from its name, type and default. */
function cliOf(collector: string, d: OptionDecl): string {
  if (d.cli) return d.cli;
  const fallback = FALLBACK_CLI[`${collector}.${d.name}`];
  if (fallback) return fallback;
  if (d.type === "boolean") return d.default === false ? `--${kebab(d.name)}` : `--no-${kebab(d.name)}`;
  return `--${collector}-${kebab(d.name)} ${d.type === "number" ? "N" : "VALUE"}`;
}

/** Every collector's options as flags; options spelled the same in several collectors share one flag. */
export function collectorFlags(registry: Readonly<Record<string, Collector>>): CollectorFlag[] {
  const byLong = new Map<string, CollectorFlag>();
  for (const c of Object.values(registry)) {
    for (const d of optionDecls(c)) {
      const m = /^\s*(--[a-z0-9][a-z0-9-]*)(?:[ =]<?([^>\s]+)>?)?\s*$/.exec(cliOf(c.name, d));
      if (!m) throw new Error(`collector ${c.name}: option ${d.name} has an unusable cli spelling: ${d.cli}`);
      const long = m[1]!.slice(2);
      const metavar = m[2];
      const list = Array.isArray(d.default);
      const kind: Binding["kind"] = !metavar ? (long.startsWith("no-") ? "negate" : "enable") : list ? "list" : "value";
      let flag = byLong.get(long);
      if (!flag) {
        flag = {
          long,
          bindings: [],
          spec: {
            flags: metavar ? `--${long} <${metavar}>` : `--${long}`,
            description: "",
            group: "Collector options:",
            ...(kind === "list" ? { repeatable: true } : {}),
          },
        };
        byLong.set(long, flag);
      }
      flag.bindings.push({ collector: c.name, option: d.name, kind, numeric: d.type === "number" });
      const who = flag.bindings.map((b) => b.collector).join(", ");
      const what =
        kind === "negate"
          ? `sets ${d.name} to false; ${d.name}: ${d.description}`
          : kind === "enable"
            ? `sets ${d.name} to true; ${d.name}: ${d.description}`
            : `${d.description}${kind === "list" ? " (repeatable)" : ""}`;
      const first = flag.bindings.length > 1 ? flag.spec.description.replace(/^[^:]*: /, "") : what;
      flag.spec = { ...flag.spec, description: `${who}: ${first}` };
    }
  }
  return [...byLong.values()];
}

/**
 * The collectors' options from the flags the user gave, merged over `base` (a config file's): each flag sets its
 * option in every selected collector that declares it. A flag none of the selected collectors has is an error
 * that says which collector to add.
 */
export function applyCollectorFlags(
  inv: Invocation,
  flags: readonly CollectorFlag[],
  selected: readonly string[],
  base: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {},
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = Object.fromEntries(
    selected.map((name) => [name, { ...(base[name] ?? {}) }]),
  );
  for (const f of flags) {
    if (!inv.has(f.long)) continue;
    const hits = f.bindings.filter((b) => selected.includes(b.collector));
    if (hits.length === 0) {
      const owners = f.bindings.map((b) => b.collector);
      throw new OptionError(
        `--${f.long} is an option of ${owners.join(", ")}, which ${owners.length > 1 ? "are" : "is"} not selected`,
        `add ${owners.map((o) => `-c ${o}`).join(" or ")}`,
      );
    }
    for (const b of hits) out[b.collector]![b.option] = flagValue(inv, f.long, b);
  }
  return out;
}

function flagValue(inv: Invocation, long: string, b: Binding): unknown {
  switch (b.kind) {
    case "negate":
      return false;
    case "enable":
      return true;
    case "list":
      return inv.strings(long);
    case "value": {
      const s = inv.string(long) ?? "";
      if (!b.numeric) return s;
      const n = Number(s);
      if (s.trim() === "" || !Number.isFinite(n))
        throw new OptionError(`bad --${long}: ${JSON.stringify(s)}`, "pass a number");
      return n;
    }
  }
}

// Collector options declared once: type, default, documentation and command-line flag; the same declaration
// validates the API, the CLI and the JSON config (unknown keys are errors, never ignored).

import { OptionError } from "../errors.js";

export type OptionType = "boolean" | "number" | "string" | "string[]";

/** Documentation of one option, shown by `bpflab collectors`, the CLI's help and the config's JSON Schema. */
export interface OptionDoc {
  name: string;
  type: OptionType;
  default: unknown;
  description: string;
  /**
   * Command-line flag: "--no-latency" (a boolean that defaults to true; the flag sets false), "--hist" (a
   * boolean that defaults to false), "--ufunc BIN:SYM" (a repeatable string), "--freq HZ" (a number).
   */
  cli?: string;
  /** Numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** Strings: the accepted values. */
  values?: readonly string[];
}

/** An option's declaration: its documentation plus the parser of a given value. */
export interface OptionDecl<T> extends OptionDoc {
  default: T;
  /** Checks a given value (OptionError with a hint when wrong); `where` names it for the message. */
  parse(value: unknown, where: string): T;
}

interface Common {
  doc: string;
  cli?: string;
}

export const option = {
  boolean(d: Common & { default: boolean }): OptionDecl<boolean> {
    return {
      name: "",
      type: "boolean",
      default: d.default,
      description: d.doc,
      ...(d.cli ? { cli: d.cli } : {}),
      parse(v, where) {
        if (typeof v !== "boolean")
          throw new OptionError(`${where} must be true or false, got ${show(v)}`, hintFor(this));
        return v;
      },
    };
  },

  number(d: Common & { default: number; min?: number; max?: number; integer?: boolean }): OptionDecl<number> {
    return {
      name: "",
      type: "number",
      default: d.default,
      description: d.doc,
      ...(d.cli ? { cli: d.cli } : {}),
      ...(d.min !== undefined ? { min: d.min } : {}),
      ...(d.max !== undefined ? { max: d.max } : {}),
      parse(v, where) {
        // JSON configs and the CLI may pass numbers as decimal strings; nothing else (0x10 is not 16)
        const n = typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
        const range = `${d.min ?? "-∞"}…${d.max ?? "∞"}`;
        if (typeof n !== "number" || !Number.isFinite(n) || (d.integer && !Number.isInteger(n))) {
          throw new OptionError(
            `${where} must be ${d.integer ? "a whole number" : "a number"} (${range}), got ${show(v)}`,
            hintFor(this),
          );
        }
        if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
          throw new OptionError(`${where} must be in ${range}, got ${n}`, hintFor(this));
        }
        return n;
      },
    };
  },

  string(d: Common & { default: string; values?: readonly string[] }): OptionDecl<string> {
    return {
      name: "",
      type: "string",
      default: d.default,
      description: d.doc,
      ...(d.cli ? { cli: d.cli } : {}),
      ...(d.values ? { values: d.values } : {}),
      parse(v, where) {
        if (typeof v !== "string") throw new OptionError(`${where} must be a string, got ${show(v)}`, hintFor(this));
        if (d.values && !d.values.includes(v)) {
          throw new OptionError(`${where} must be one of ${d.values.join(", ")}, got ${show(v)}`, hintFor(this));
        }
        return v;
      },
    };
  },

  /** A list option whose items `parse` turns into values (e.g. "binary:symbol" strings into uprobe targets). */
  list<T>(d: Common & { default: T[]; parse: (v: unknown, where: string) => T[] }): OptionDecl<T[]> {
    return {
      name: "",
      type: "string[]",
      default: d.default,
      description: d.doc,
      ...(d.cli ? { cli: d.cli } : {}),
      parse: d.parse,
    };
  },
};

/** The options declared by a collector, by name. */
export type OptionDecls = Record<string, OptionDecl<unknown>>;

/** The resolved option values a set of declarations describes. */
export type OptionValues<D extends OptionDecls> = { [K in keyof D]: D[K] extends OptionDecl<infer T> ? T : never };

/**
 * Validates `given` against the declarations: unknown keys are an error listing the known ones, each value goes
 * through its parser, missing ones take their default.
 */
export function resolveOptionValues<D extends OptionDecls>(owner: string, decls: D, given: unknown): OptionValues<D> {
  if (given === undefined || given === null) given = {};
  if (typeof given !== "object" || Array.isArray(given)) {
    throw new OptionError(
      `options of ${owner} must be an object, got ${show(given)}`,
      `e.g. { ${owner}: { ${Object.keys(decls)[0] ?? "…"}: … } }, or {} for the defaults`,
    );
  }
  const known = Object.keys(decls);
  for (const k of Object.keys(given as object)) {
    if (!(k in decls)) {
      throw new OptionError(
        `${owner} has no option "${k}"`,
        known.length ? `its options are: ${known.join(", ")} (see \`bpflab collectors\`)` : `${owner} takes no options`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(decls)) {
    const v = (given as Record<string, unknown>)[k];
    out[k] = v === undefined ? d.default : d.parse(v, `${owner}.${k}`);
  }
  return out as OptionValues<D>;
}

/** The declarations as documentation, each with its name filled in. */
export function optionDocs(decls: OptionDecls): OptionDoc[] {
  return Object.entries(decls).map(([name, d]) => {
    const { parse: _parse, ...doc } = d;
    return { ...doc, name };
  });
}

function hintFor(d: OptionDoc): string {
  return `${d.description}${d.default !== undefined ? ` (default ${JSON.stringify(d.default)})` : ""}`;
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "a list" : String(v);
}

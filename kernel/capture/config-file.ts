// Capture settings from a JSON file (the CLI's --config), checked key by key against the schema the registry
// generates (config-schema.ts), so a typo anywhere, nested collector options included, is named, not ignored.

import { readFileSync } from "node:fs";
import { OptionError } from "../errors.js";
import { getCollector } from "../collectors/registry.js";
import type { CaptureOptions } from "./plan.js";
import { captureConfigSchema } from "./config-schema.js";

/** The CaptureOptions a config file holds (collectors, duration, interval, pid, followChildren, command, maxTracked). */
export function readCaptureConfig(path: string): Partial<CaptureOptions> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new OptionError(`cannot read config ${path}: ${(e as Error).message}`, "check the path", { cause: e });
  }
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new OptionError(
      `config ${path} is not valid JSON: ${(e as Error).message}`,
      "see configs/whole-machine.json for the format",
      { cause: e },
    );
  }
  if (!cfg || typeof cfg !== "object" || Array.isArray(cfg)) {
    throw new OptionError(`config ${path} must hold a JSON object`, "see configs/whole-machine.json for the format");
  }
  const keys = Object.keys((captureConfigSchema().properties as Record<string, unknown>) ?? {});
  for (const k of Object.keys(cfg)) {
    if (!keys.includes(k)) {
      throw new OptionError(
        `config ${path}: unknown key "${k}"`,
        `known keys: ${keys.filter((x) => !x.startsWith("$")).join(", ")} (schema: configs/capture-config.schema.json)`,
      );
    }
  }
  const { $comment: _c, $schema: _s, ...opts } = cfg as Record<string, unknown>;
  // a bare number is seconds here, as on the command line (`--duration 10`)
  for (const k of ["duration", "interval"]) {
    if (typeof opts[k] === "number") opts[k] = `${opts[k]}s`;
  }
  // collector options are checked now, so the error names the file
  const c = opts.collectors;
  if (c && typeof c === "object" && !Array.isArray(c)) {
    for (const [name, o] of Object.entries(c)) {
      try {
        getCollector(name).resolveOptions(o);
      } catch (e) {
        if (e instanceof OptionError) throw new OptionError(`config ${path}: ${e.message.split("\n")[0]}`, e.hint);
        throw e;
      }
    }
  }
  return opts as Partial<CaptureOptions>;
}

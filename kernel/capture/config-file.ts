// Capture settings from a JSON file (the CLI's --config), checked key by key so a typo is named, not ignored.

import { readFileSync } from "node:fs";
import { OptionError } from "../errors.js";
import type { CaptureOptions } from "./engine.js";

const KEYS = new Set(["$comment", "collectors", "duration", "interval", "pid", "followChildren", "command"]);

/** The CaptureOptions a config file holds (collectors, duration, interval, pid, followChildren, command). */
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
  for (const k of Object.keys(cfg)) {
    if (!KEYS.has(k)) {
      throw new OptionError(
        `config ${path}: unknown key "${k}"`,
        `known keys: ${[...KEYS].filter((x) => x !== "$comment").join(", ")}`,
      );
    }
  }
  const { $comment: _, ...opts } = cfg as Record<string, unknown>;
  return opts as Partial<CaptureOptions>;
}

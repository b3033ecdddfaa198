// Durations as users write them ("10s", "500ms", "2m", "1h30m") or as a number of milliseconds.

import { OptionError } from "../errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a duration; `what` names the option in the error, `min`/`max` bound it (ms).
 * @example parseDuration("1m30s", "duration") === 90_000
 */
export function parseDuration(value: unknown, what: string, min = 1, max = 24 * 3_600_000): number {
  let ms: number;
  if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string" && /^\s*(\d+(\.\d+)?\s*(ms|s|m|h)\s*)+$/.test(value)) {
    ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  } else if (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    ms = Number(value) * 1000; // a bare number in a string is seconds, as in the CLI's --duration 10
  } else {
    throw new OptionError(
      `bad ${what}: ${JSON.stringify(value)}`,
      `write it like "10s", "500ms", "2m" or "1h" (or a number of milliseconds), between ${fmt(min)} and ${fmt(max)}`,
    );
  }
  if (!Number.isFinite(ms) || ms < min || ms > max) {
    throw new OptionError(
      `bad ${what}: ${JSON.stringify(value)} is ${Number.isFinite(ms) ? fmt(ms) : "not finite"}`,
      `${what} must be between ${fmt(min)} and ${fmt(max)}`,
    );
  }
  return Math.round(ms);
}

/** "1.5 s", "250 ms", "2 m" */
export function fmt(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} m`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(3)} s`;
  return `${ms} ms`;
}

// HTML and text views of a Frame (and of Danfo DataFrames and arquero tables) for notebooks and the CLI.
// The renderer itself is kernel/plots/table-html.ts, shared with the display helper, so a frame looks the same
// whether it is shown by `show(frame)`, by tslab's own display of `frame.toMimeBundle()`, or printed.

import type { Frame } from "./frame.js";
import { frameSource, tableHtml, tableSourceOf, tableText, TableOptions } from "../plots/table-html.js";
import { OptionError } from "../errors.js";

export type { TableOptions } from "../plots/table-html.js";

/** Default rows shown from the top and bottom of a long frame. */
const DEFAULTS: TableOptions = { head: 5, tail: 5 };

/**
 * An HTML table of the frame: a caption with name and shape, column names with type and unit, the first `head`
 * and last `tail` rows (default 5 and 5). Cell text is HTML-escaped; colours are inherited from the page, so the
 * table reads in light and dark themes.
 */
export function frameToHtml(frame: Frame, options: TableOptions = {}): string {
  return tableHtml(frameSource(frame), { ...DEFAULTS, ...options });
}

/** The same rows as fixed-width text (for text-only front ends, logs and the CLI). */
export function frameToText(frame: Frame, options: TableOptions = {}): string {
  return tableText(frameSource(frame), { ...DEFAULTS, ...options });
}

/** The MIME bundle a notebook front end renders: { "text/plain", "text/html" }. */
export function frameMimeBundle(
  frame: Frame,
  options: TableOptions = {},
): { "text/plain": string; "text/html": string } {
  return { "text/plain": frameToText(frame, options), "text/html": frameToHtml(frame, options) };
}

/**
 * An HTML table of a Frame, a danfo DataFrame or an arquero table (head and tail rows, shape, dtypes).
 * Anything else raises OptionError.
 */
export function anyTableToHtml(x: unknown, options: TableOptions = {}): string {
  const src = tableSourceOf(x);
  if (!src) {
    throw new OptionError(
      `cannot show a ${x === null ? "null" : typeof x} as a table`,
      "pass a Frame, a danfo DataFrame (frame.toDanfo()) or an arquero table (frame.toArquero())",
    );
  }
  return tableHtml(src, { ...DEFAULTS, ...options });
}

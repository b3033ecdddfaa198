// HTML and text views of a Frame for notebooks and the CLI, through the shared table renderer (kernel/table/),
// so a frame looks the same whether shown by `show(frame)`, by tslab's own display of `frame.toMimeBundle()`, or
// printed. Imports only types from frame.ts (which uses this module), so there is no cycle.

import type { Frame } from "./frame.js";
import { NUMERIC, tableHtml, TableOptions, TableSource, tableText } from "../table/table-render.js";

export type { TableOptions } from "../table/table-render.js";

/** Default rows shown from the top and bottom of a long frame. */
const DEFAULTS: TableOptions = { head: 5, tail: 5 };

/** A Frame as a table source; `timestamp` columns (µs since epoch) show as UTC times with ms. */
export function frameSource(frame: Frame): TableSource {
  const specs = frame.schema;
  const cols = specs.map((s) => frame.column(s.name));
  const masks = specs.map((s) => frame.validity(s.name));
  return {
    title: `Frame ${frame.name}`,
    nRows: frame.length,
    columns: specs.map((s) => ({ name: s.name, dtype: s.type, unit: s.unit, numeric: NUMERIC.has(s.type) })),
    cell(c, r) {
      if (masks[c]?.[r] === 0) return null; // NULL: shown as the renderer's missing mark
      const col = cols[c]!;
      if ("dict" in col) return col.dict[col.codes[r]!]; // a string column (isStringColumn, without its import)
      const v = col[r]!;
      return specs[c]!.type === "bool" ? v !== 0 : v;
    },
    format(c, v) {
      if (specs[c]!.type === "timestamp" && typeof v === "number" && Number.isFinite(v)) {
        return new Date(v / 1000).toISOString().replace("T", " ").replace("Z", "");
      }
      return undefined;
    },
  };
}

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

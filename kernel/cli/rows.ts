// Rows of a frame (or a query result) for the terminal and for JSON/CSV: timestamps as ISO 8601 UTC, u64 as
// numbers while exact (strings past 2^53), NULL as null.

import type { Cell, ColumnSpec, Frame } from "../frame/frame.js";
import { textTable } from "../report/summary.js";

/** A cell as JSON: ISO time for timestamps, a number or a decimal string for u64, null for NULL/NaN. */
export function jsonCell(v: Cell | null | undefined, spec: ColumnSpec | undefined): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint")
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return null;
    if (spec?.type === "timestamp") return new Date(v / 1000).toISOString();
    return v;
  }
  return v;
}

/** The first `n` rows as JSON objects. */
export function frameRowsJson(f: Frame, n: number): Record<string, unknown>[] {
  return f.rows(0, n).map((r) => Object.fromEntries(f.schema.map((s) => [s.name, jsonCell(r[s.name], s)])));
}

/** The first `n` rows as a text table with a header line naming the frame and its size. */
export function frameRowsText(f: Frame, n: number): string {
  const rows = f.rows(0, n).map((r) => f.schema.map((s) => textCell(jsonCell(r[s.name], s))));
  return `${f.name}: ${Math.min(n, f.length)} of ${f.length} rows\n${textTable(f.columnNames, rows)}`;
}

/** A cell for a text table: NULL as "NULL", numbers as they are. */
export function textCell(v: string | number | boolean | null): string | number {
  if (v === null) return "NULL";
  if (typeof v === "boolean") return String(v);
  return v;
}

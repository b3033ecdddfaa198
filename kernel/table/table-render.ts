// HTML and text tables (shape, dtypes, head and tail) of anything that can be read cell by cell: the one
// renderer that frames (frame/html-table.ts), notebook displays and reports share. Depends on nothing of bpflab's,
// so every layer can use it. Colours come from the page (inherit), so tables read in light and dark themes alike.

import { escapeHtml } from "./escape-html.js";

/** A column as a table display sees it. */
export interface TableColumn {
  name: string;
  /** Storage type shown under the name: "f64", "str", "float32", ... */
  dtype: string;
  unit?: string;
  /** Right-align numbers. */
  numeric: boolean;
}

/** Anything with rows and typed columns that a table display can read cell by cell. */
export interface TableSource {
  /** Shown above the table with the shape, e.g. "Frame sched". */
  title: string;
  nRows: number;
  columns: TableColumn[];
  /** The value of one cell, already JS (number, bigint, string, boolean, null). */
  cell(col: number, row: number): unknown;
  /** Optional per-cell text override (e.g. timestamps as dates). */
  format?(col: number, value: unknown): string | undefined;
}

export interface TableOptions {
  /** Rows shown from the top (default 5) and from the bottom (default 5) when the table is longer. */
  head?: number;
  tail?: number;
  /** Cell text is cut at this many characters (default 80); the full text stays in the cell's title. */
  maxChars?: number;
}

export const NUMERIC = new Set([
  "u32",
  "i32",
  "i64",
  "u64",
  "f64",
  "timestamp",
  "int32",
  "float32",
  "int64",
  "float64",
  "number",
  "integer",
  "bigint",
]);

/** Rows to show: all when short, else head, a gap (-1), then tail. */
function shownRows(n: number, head: number, tail: number): number[] {
  if (n <= head + tail) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < head; i++) out.push(i);
  out.push(-1);
  for (let i = n - tail; i < n; i++) out.push(i);
  return out;
}

/** Text of one cell: floats to 6 significant digits, null/NaN as "—". */
export function cellText(src: TableSource, c: number, v: unknown): string {
  const f = src.format?.(c, v);
  if (f !== undefined) return f;
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (Number.isInteger(v)) return String(v);
    return String(Number(v.toPrecision(6)));
  }
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function shapeLine(src: TableSource): string {
  return `${src.title}: ${src.nRows.toLocaleString("en-US")} rows × ${src.columns.length} columns`;
}

const CSS =
  "border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums;color:inherit;background:transparent";
const CELL = "padding:2px 8px;border-bottom:1px solid rgba(128,128,128,0.25);white-space:nowrap";

/** An HTML table: a caption with the shape, names with dtype and unit, the first and last rows. */
export function tableHtml(src: TableSource, o: TableOptions = {}): string {
  const maxChars = o.maxChars ?? 80;
  const rows = shownRows(src.nRows, o.head ?? 5, o.tail ?? 5);
  const th = src.columns
    .map(
      (c) =>
        `<th style="${CELL};text-align:${c.numeric ? "right" : "left"};border-bottom:1px solid rgba(128,128,128,0.6)">` +
        `${escapeHtml(c.name)}<br><span style="font-weight:normal;opacity:0.65">` +
        `${escapeHtml(c.dtype)}${c.unit ? ` · ${escapeHtml(c.unit)}` : ""}</span></th>`,
    )
    .join("");
  const body = rows
    .map((r) => {
      if (r < 0) {
        return `<tr><td style="${CELL};opacity:0.6" colspan="${src.columns.length + 1}">…</td></tr>`;
      }
      const tds = src.columns
        .map((c, ci) => {
          const text = cellText(src, ci, src.cell(ci, r));
          const cut = text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
          const title = cut === text ? "" : ` title="${escapeHtml(text)}"`;
          return `<td style="${CELL};text-align:${c.numeric ? "right" : "left"}"${title}>${escapeHtml(cut)}</td>`;
        })
        .join("");
      return `<tr><td style="${CELL};opacity:0.5;text-align:right">${r}</td>${tds}</tr>`;
    })
    .join("\n");
  // The shape line is a <div>, not a <caption>: a caption wraps to the table's width, which is narrow here.
  return (
    `<div class="bpflab-table" style="overflow-x:auto;max-width:100%">` +
    `<div style="padding:2px 0 6px;opacity:0.8;font-size:12px">${escapeHtml(shapeLine(src))}</div>` +
    `<table style="${CSS}">` +
    `<thead><tr><th style="${CELL};border-bottom:1px solid rgba(128,128,128,0.6)"></th>${th}</tr></thead>` +
    `<tbody>\n${body}\n</tbody></table></div>`
  );
}

/** The same rows as fixed-width text, for the CLI, logs and text-only front ends. */
export function tableText(src: TableSource, o: TableOptions = {}): string {
  const maxChars = Math.min(o.maxChars ?? 40, 40);
  const rows = shownRows(src.nRows, o.head ?? 5, o.tail ?? 5);
  const header = ["", ...src.columns.map((c) => c.name)];
  const lines = rows.map((r) =>
    r < 0
      ? header.map(() => "…")
      : [
          String(r),
          ...src.columns.map((_, ci) => {
            const t = cellText(src, ci, src.cell(ci, r));
            return t.length > maxChars ? `${t.slice(0, maxChars - 1)}…` : t;
          }),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || src.columns[i - 1]?.numeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [shapeLine(src), fmt(header), ...lines.map(fmt)].join("\n");
}

/** The MIME bundle of a table: HTML for notebooks, text for everything else. */
export function tableBundle(src: TableSource, o: TableOptions = {}): Record<string, string> {
  return { "text/html": tableHtml(src, o), "text/plain": tableText(src, o) };
}

// The detector comparison table: one row per detector, one column per metric, best value per metric in bold.
// A plain object with toMimeBundle() (HTML + text), so show() and any front end can render it.

import { OptionError } from "../errors.js";
import { escapeHtml } from "./plotly-html.js";
import { cellText, tableText, TableSource } from "./table-html.js";

export type ComparisonRow = Record<string, string | number | null | undefined>;

export interface ComparisonTableOptions {
  title?: string;
  /** Column that names the row (default "detector"). */
  key?: string;
  /** Columns where lower is better (time, false positives); every other numeric column counts higher as better. */
  lowerIsBetter?: string[];
  /** Units per column, shown under the name: { fit_ms: "ms" }. */
  units?: Record<string, string>;
}

/** A comparison table: rows of metrics per detector, best numeric value of each column marked. */
export class ComparisonTable {
  readonly title: string;
  readonly rows: ComparisonRow[];
  readonly columns: string[];
  private readonly options: ComparisonTableOptions;

  constructor(rows: ComparisonRow[], options: ComparisonTableOptions = {}) {
    if (rows.length === 0) throw new OptionError("comparison table: no rows", "pass one row per detector");
    const key = options.key ?? "detector";
    const cols = new Set<string>([key]);
    for (const r of rows) for (const k of Object.keys(r)) cols.add(k);
    this.columns = [...cols];
    this.rows = rows;
    this.title = options.title ?? "Detector comparison";
    this.options = options;
  }

  private isNumeric(c: string): boolean {
    return (
      this.rows.some((r) => typeof r[c] === "number") &&
      this.rows.every((r) => r[c] == null || typeof r[c] === "number")
    );
  }

  /** Row index of the best value of a numeric column (undefined for text columns or all-missing ones). */
  best(column: string): number | undefined {
    if (!this.isNumeric(column) || column === (this.options.key ?? "detector")) return undefined;
    const lower = this.options.lowerIsBetter?.includes(column) ?? false;
    let bi: number | undefined;
    this.rows.forEach((r, i) => {
      const v = r[column];
      if (typeof v !== "number" || Number.isNaN(v)) return;
      const b = bi === undefined ? undefined : (this.rows[bi]![column] as number);
      if (b === undefined || (lower ? v < b : v > b)) bi = i;
    });
    return bi;
  }

  private source(): TableSource {
    return {
      title: this.title,
      nRows: this.rows.length,
      columns: this.columns.map((c) => ({
        name: c,
        dtype: this.isNumeric(c) ? "number" : "text",
        unit: this.options.units?.[c],
        numeric: this.isNumeric(c),
      })),
      cell: (c, r) => this.rows[r]![this.columns[c]!],
      format: (_c, v) => (typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : undefined),
    };
  }

  toHtml(): string {
    const src = this.source();
    const best = this.columns.map((c) => this.best(c));
    const cell = "padding:3px 10px;border-bottom:1px solid rgba(128,128,128,0.25);white-space:nowrap";
    const head = src.columns
      .map(
        (c) =>
          `<th style="${cell};text-align:${c.numeric ? "right" : "left"};border-bottom:1px solid rgba(128,128,128,0.6)">` +
          `${escapeHtml(c.name)}${c.unit ? `<br><span style="font-weight:normal;opacity:0.65">${escapeHtml(c.unit)}</span>` : ""}</th>`,
      )
      .join("");
    const body = this.rows
      .map(
        (_, r) =>
          `<tr>${src.columns
            .map((c, ci) => {
              const text = escapeHtml(cellText(src, ci, src.cell(ci, r)));
              const mark = best[ci] === r;
              return `<td style="${cell};text-align:${c.numeric ? "right" : "left"}${mark ? ";font-weight:700" : ""}">${mark ? `${text} ★` : text}</td>`;
            })
            .join("")}</tr>`,
      )
      .join("\n");
    const lowers = this.options.lowerIsBetter?.length
      ? ` (lower is better for ${this.options.lowerIsBetter.join(", ")})`
      : "";
    return (
      `<div class="bpflab-table bpflab-comparison" style="overflow-x:auto;max-width:100%">` +
      `<div style="padding:2px 0 6px;opacity:0.8;font-size:12px">${escapeHtml(this.title)}: ` +
      `★ marks the best value per column${escapeHtml(lowers)}</div>` +
      `<table style="border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums;color:inherit">` +
      `<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`
    );
  }

  toMimeBundle(): Record<string, string> {
    return { "text/html": this.toHtml(), "text/plain": tableText(this.source(), { head: this.rows.length }) };
  }

  toString(): string {
    return tableText(this.source(), { head: this.rows.length });
  }
}

/** A comparison table of detectors (see ComparisonTable). */
export function comparisonTable(rows: ComparisonRow[], options: ComparisonTableOptions = {}): ComparisonTable {
  return new ComparisonTable(rows, options);
}

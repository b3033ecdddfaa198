// The result of query(): columns with their DuckDB types and rows of plain cells, as text, CSV, JSON objects, a
// Frame (to plot) or a notebook table.

import { ColumnData, ColumnSpec, ColumnType, Frame, allocColumn } from "../frame/frame.js";
import { tableBundle, TableOptions } from "../plots/table-html.js";
import type { QueryCell } from "./cells.js";

export interface QueryColumn {
  name: string;
  /** DuckDB's type name: BIGINT, VARCHAR, TIMESTAMP WITH TIME ZONE, DOUBLE[], ... */
  type: string;
}

const INTEGER = /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|UHUGEINT)$/;
const FLOAT = /^(FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$/;

/** The Frame column type a DuckDB type reads into. */
export function frameType(duckType: string): ColumnType {
  if (INTEGER.test(duckType) || FLOAT.test(duckType)) return "f64";
  if (duckType.startsWith("TIMESTAMP")) return "timestamp";
  if (duckType === "BOOLEAN") return "bool";
  return "str";
}

/** CSV field quoting (RFC 4180): quotes when the text holds a comma, quote, CR or LF. */
export function csvField(v: QueryCell): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export class QueryResult {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly (readonly QueryCell[])[];

  constructor(columns: readonly QueryColumn[], rows: readonly (readonly QueryCell[])[]) {
    this.columns = columns;
    this.rows = rows;
  }

  get length(): number {
    return this.rows.length;
  }

  /** Rows as objects keyed by column name (what `--json` prints). */
  toObjects(): Record<string, QueryCell>[] {
    return this.rows.map((r) => Object.fromEntries(this.columns.map((c, i) => [c.name, r[i] ?? null])));
  }

  /** The values of one column. */
  column(name: string): QueryCell[] {
    const i = this.columns.findIndex((c) => c.name === name);
    if (i < 0)
      throw new Error(`query result has no column "${name}"; columns: ${this.columns.map((c) => c.name).join(", ")}`);
    return this.rows.map((r) => r[i] ?? null);
  }

  /** CSV with a header line. */
  toCsv(): string {
    const lines = [this.columns.map((c) => csvField(c.name)).join(",")];
    for (const r of this.rows) lines.push(r.map(csvField).join(","));
    return lines.join("\n") + "\n";
  }

  /**
   * A Frame of the result, for plotting: numbers as f64 (NULL → NaN), timestamps as µs since the epoch, strings
   * as a string column (NULL → ""), booleans as bool.
   */
  toFrame(name = "query"): Frame {
    const specs: ColumnSpec[] = this.columns.map((c) => ({
      name: c.name,
      type: frameType(c.type),
      description: c.type,
    }));
    const cols: Record<string, ColumnData> = {};
    specs.forEach((s, ci) => {
      const col = allocColumn(s.type, this.rows.length);
      if ("dict" in col) {
        const index = new Map<string, number>();
        this.rows.forEach((r, i) => {
          const v = r[ci] === null || r[ci] === undefined ? "" : String(r[ci]);
          let k = index.get(v);
          if (k === undefined) {
            k = col.dict.length;
            col.dict.push(v);
            index.set(v, k);
          }
          col.codes[i] = k;
        });
      } else {
        const out = col as Float64Array | Uint8Array;
        this.rows.forEach((r, i) => {
          const v = r[ci];
          if (s.type === "timestamp") out[i] = typeof v === "string" ? isoToMicros(v) : NaN;
          else if (s.type === "bool") out[i] = v === true ? 1 : 0;
          else out[i] = v === null || v === undefined ? NaN : Number(v);
        });
      }
      cols[s.name] = col;
    });
    return new Frame(name, specs, cols, this.rows.length);
  }

  /** A notebook table (HTML + text) of the first and last rows. */
  toMimeBundle(options: TableOptions = {}): Record<string, string> {
    return tableBundle(
      {
        title: "Query result",
        nRows: this.rows.length,
        columns: this.columns.map((c) => ({ name: c.name, dtype: c.type, numeric: frameType(c.type) === "f64" })),
        cell: (c, r) => this.rows[r]?.[c] ?? null,
      },
      options,
    );
  }

  toString(): string {
    return `QueryResult: ${this.rows.length} rows × ${this.columns.length} columns (${this.columns.map((c) => c.name).join(", ")})`;
  }
}

/** Microseconds since the epoch of an ISO time with up to 9 fractional digits. */
export function isoToMicros(s: string): number {
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) return NaN;
  const frac = /\.(\d+)/.exec(s)?.[1] ?? "";
  const micros = Number((frac + "000000").slice(3, 6));
  return ms * 1000 + micros;
}

// Table sources for what notebooks display: bpflab Frames, Danfo DataFrames and arquero tables, rendered by the
// shared table renderer (kernel/table/). Pairs with display.ts, which puts both forms in one MIME bundle.

import { Frame } from "../frame/frame.js";
import { frameSource } from "../frame/html-table.js";
import { OptionError } from "../errors.js";
import { NUMERIC, tableHtml, TableOptions, TableSource } from "../table/table-render.js";

export { frameSource } from "../frame/html-table.js";
export {
  cellText,
  tableBundle,
  tableHtml,
  tableText,
  type TableColumn,
  type TableOptions,
  type TableSource,
} from "../table/table-render.js";

/** Duck-typed Danfo DataFrame: danfojs-node is heavy to load, so display code never imports it. */
interface DanfoLike {
  columns: string[];
  dtypes: string[];
  shape: number[];
  values: unknown[][];
}
function isDanfoFrame(x: unknown): x is DanfoLike {
  const d = x as Partial<Record<keyof DanfoLike | "head", unknown>> | null;
  return (
    d != null &&
    Array.isArray(d.columns) &&
    Array.isArray(d.dtypes) &&
    Array.isArray(d.shape) &&
    d.shape.length === 2 &&
    Array.isArray(d.values) &&
    typeof d.head === "function"
  );
}

/** Duck-typed arquero table (ColumnTable): numRows(), columnNames(), get(name, row). */
interface ArqueroLike {
  numRows(): number;
  columnNames(): string[];
  get(name: string, row: number): unknown;
}
function isArqueroTable(x: unknown): x is ArqueroLike {
  const a = x as Partial<Record<keyof ArqueroLike, unknown>> | null;
  return (
    a != null && typeof a.numRows === "function" && typeof a.columnNames === "function" && typeof a.get === "function"
  );
}

/** A table source for a Frame, a Danfo DataFrame or an arquero table; undefined for anything else. */
export function tableSourceOf(x: unknown): TableSource | undefined {
  if (x instanceof Frame) return frameSource(x);
  if (isDanfoFrame(x)) {
    const rows = x.values;
    return {
      title: "DataFrame (danfo)",
      nRows: x.shape[0]!,
      columns: x.columns.map((name, i) => ({ name, dtype: x.dtypes[i]!, numeric: NUMERIC.has(x.dtypes[i]!) })),
      cell: (c, r) => rows[r]![c],
    };
  }
  if (isArqueroTable(x)) {
    const names = x.columnNames();
    const n = x.numRows();
    const dtypes = names.map((name) => {
      const v = n > 0 ? x.get(name, 0) : undefined;
      return v === null || v === undefined ? "unknown" : v instanceof Date ? "date" : typeof v;
    });
    return {
      title: "Table (arquero)",
      nRows: n,
      columns: names.map((name, i) => ({ name, dtype: dtypes[i]!, numeric: NUMERIC.has(dtypes[i]!) })),
      cell: (c, r) => x.get(names[c]!, r),
    };
  }
  return undefined;
}

/**
 * An HTML table of a Frame, a danfo DataFrame or an arquero table (head and tail rows, shape, dtypes; default 5 +
 * 5 rows). Anything else raises OptionError.
 */
export function anyTableToHtml(x: unknown, options: TableOptions = {}): string {
  const src = tableSourceOf(x);
  if (!src) {
    throw new OptionError(
      `cannot show a ${x === null ? "null" : typeof x} as a table`,
      "pass a Frame, a danfo DataFrame (frame.toDanfo()) or an arquero table (frame.toArquero())",
    );
  }
  return tableHtml(src, { head: 5, tail: 5, ...options });
}

// Frame → arquero table, passing typed arrays through without a copy wherever arquero can use them.
// arquero is loaded on first use. Pairs with to-danfo.ts.

import type { Frame, StringColumn } from "./frame.js";

/**
 * An arquero ColumnTable, typed loosely: arquero is an ES module, and a CommonJS declaration file can only name
 * its types with an import attribute that the TypeScript 5.0 bundled in tslab cannot parse.
 */
export interface ArqueroTable {
  numRows(): number;
  numCols(): number;
  columnNames(): string[];
  /** The column's values: the frame's typed array itself for numeric columns. */
  column(name: string): ArrayLike<unknown> | undefined;
  get(name: string, row?: number): unknown;
  objects(options?: object): Record<string, unknown>[];
  toHTML(options?: object): string;
  /**
   * Every other arquero verb (filter, groupby, rollup, orderby, derive, ...). Typed `any` on purpose: arquero's
   * own types cannot be named here (see above), and notebooks chain verbs whose results differ by verb.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [verb: string]: any;
}

interface ArqueroModule {
  table(columns: Record<string, ArrayLike<unknown>>, names?: string[]): ArqueroTable;
}

export interface ToArqueroOptions {
  /** Columns to convert, in this order (default: all). */
  columns?: readonly string[];
  /**
   * Timestamp columns as JS Dates ("date", default: arquero's date ops and table displays understand them;
   * ms precision; ~1 s per million rows to create), as a Float64Array of ms since epoch ("ms": arquero's date
   * ops accept it, µs kept as the fraction, one cheap pass), or as the frame's own Float64Array of µs since
   * epoch ("us", no copy).
   */
  timestamps?: "date" | "ms" | "us";
  /** Keep u64 columns as BigUint64Array (no copy) instead of converting them to Numbers (exact below 2^53). */
  bigint?: boolean;
}

let arquero: ArqueroModule | undefined;

/** arquero, loaded on first use (it is an ES module; Node ≥ 20.19 requires it synchronously). */
export function loadArquero(): ArqueroModule {
  return (arquero ??= require("arquero") as ArqueroModule);
}

/**
 * One column as arquero gets it: u32, i32, i64, f64 (and timestamps with `timestamps: "us"`, u64 with
 * `bigint: true`) are the frame's typed arrays themselves; strings are decoded, bools become true/false.
 */
export function arqueroColumn(frame: Frame, name: string, options: ToArqueroOptions = {}): ArrayLike<unknown> {
  const values = arqueroValues(frame, name, options);
  const mask = frame.validity(name);
  if (!mask) return values;
  // A typed array cannot hold null: a column with NULL cells becomes a plain array, null where no value applies
  // (arquero's op.valid / op.is_nan and aggregates skip nulls).
  const out = Array.from(values);
  for (let i = 0; i < out.length; i++) if (mask[i] === 0) out[i] = null;
  return out;
}

function arqueroValues(frame: Frame, name: string, options: ToArqueroOptions): ArrayLike<unknown> {
  const type = frame.spec(name).type;
  const col = frame.column(name);
  switch (type) {
    case "str": {
      const { codes, dict } = col as StringColumn;
      return Array.from(codes, (k) => dict[k]!);
    }
    case "timestamp": {
      const us = col as Float64Array;
      if (options.timestamps === "us") return us;
      if (options.timestamps === "ms") return us.map((v) => v / 1000);
      return Array.from(us, (v) => new Date(v / 1000));
    }
    case "bool":
      return Array.from(col as Uint8Array, (v) => v !== 0);
    case "u64": {
      if (options.bigint) return col as BigUint64Array;
      const big = col as BigUint64Array;
      const out = new Float64Array(big.length);
      for (let i = 0; i < big.length; i++) out[i] = Number(big[i]);
      return out;
    }
    default:
      return col as Float64Array | Uint32Array | Int32Array;
  }
}

/**
 * The frame as an arquero table. Numeric columns are shared with the frame, not copied, so the table costs
 * little memory; both are immutable, so sharing is safe.
 *
 * @example toArquero(frame).groupby("comm").rollup({ cpu: aq.op.sum("oncpu_ns") }).orderby(aq.desc("cpu"))
 */
export function toArquero(frame: Frame, options: ToArqueroOptions = {}): ArqueroTable {
  const names = options.columns ?? frame.columnNames;
  const cols: Record<string, ArrayLike<unknown>> = {};
  for (const n of names) cols[n] = arqueroColumn(frame, n, options);
  return loadArquero().table(cols, [...names]);
}

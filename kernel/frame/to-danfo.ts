// Frame → danfojs-node DataFrame. danfojs-node pulls in TensorFlow.js (~2 s to load), so it is required on first
// use, never when bpflab is imported. Pairs with to-arquero.ts (the fast, zero-copy conversion).

import type * as Danfo from "danfojs-node";
import type { Frame, StringColumn } from "./frame.js";
import { OptionError } from "../errors.js";

export type DanfoDataFrame = InstanceType<typeof Danfo.DataFrame>;

export interface ToDanfoOptions {
  /** Columns to convert, in this order (default: all). */
  columns?: readonly string[];
}

let danfo: typeof Danfo | undefined;

/** danfojs-node, loaded on first use. */
export function loadDanfo(): typeof Danfo {
  if (!danfo) {
    try {
      danfo = require("danfojs-node") as typeof Danfo;
    } catch (e) {
      // An optional peer dependency: its own dependencies need overrides to install offline (see the README).
      throw new OptionError(
        "toDanfo() needs danfojs-node, which is not installed",
        "npm install danfojs-node with the overrides of bpflab's README (Using bpflab from your own project), or use toArquero()",
        { cause: e },
      );
    }
  }
  return danfo;
}

/**
 * One column as the plain array danfo wants (it does not accept typed arrays):
 * - numbers stay numbers; u64 bigints become Numbers (exact below 2^53: cgroup ids and monotonic ns within
 *   ~104 days of boot are);
 * - timestamps (µs since epoch) become JS Dates, so danfo types the column "datetime" and `.dt` works; a Date
 *   holds milliseconds, so the µs digits are dropped (the Frame keeps them);
 * - bool becomes true/false, str the decoded strings;
 * - NULL cells become null.
 */
export function danfoColumn(frame: Frame, name: string): unknown[] {
  const values = danfoValues(frame, name);
  const mask = frame.validity(name);
  // NULL (not applicable) becomes null, which danfo counts as missing (isNa, fillNa, dropNa).
  if (mask) for (let i = 0; i < values.length; i++) if (mask[i] === 0) values[i] = null;
  return values;
}

function danfoValues(frame: Frame, name: string): unknown[] {
  const type = frame.spec(name).type;
  const col = frame.column(name);
  if (type === "str") {
    const { codes, dict } = col as StringColumn;
    return Array.from(codes, (k) => dict[k]!);
  }
  if (type === "timestamp") return Array.from(col as Float64Array, (us) => new Date(us / 1000));
  if (type === "bool") return Array.from(col as Uint8Array, (v) => v !== 0);
  if (type === "u64") return Array.from(col as BigUint64Array, Number);
  return Array.from(col as Float64Array | Uint32Array | Int32Array);
}

/**
 * The frame as a danfojs-node DataFrame (a copy: danfo keeps plain JS arrays). See danfoColumn for how each
 * ColumnType converts; danfo infers int32/float32/string/boolean/datetime from the values. Building a DataFrame
 * of 1M rows × 12 columns takes seconds in danfo; use toArquero for large frames.
 *
 * @example const df = toDanfo(capture.frame("sched")); df.groupby(["comm"]).col(["oncpu_ns"]).sum().print();
 */
export function toDanfo(frame: Frame, options: ToDanfoOptions = {}): DanfoDataFrame {
  const names = options.columns ?? frame.columnNames;
  const data: Record<string, unknown[]> = {};
  for (const n of names) data[n] = danfoColumn(frame, n);
  const dfd = loadDanfo();
  if (frame.length === 0) {
    // danfo refuses an object of empty arrays; an empty DataFrame with the column names is what it can hold.
    return new dfd.DataFrame([], { columns: [...names] });
  }
  return new dfd.DataFrame(data as unknown as ConstructorParameters<typeof dfd.DataFrame>[0]);
}

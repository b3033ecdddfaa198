// CSV → Frame: a header row, then rows; numeric columns become f64 columns, anything else a dictionary-encoded
// string column. readCsv streams the file twice (column kinds and row count, then values), so a CSV larger than
// the longest JavaScript string (~512 MB) reads in memory proportional to its columns, not its text. Handles
// quoted fields ("a,b", "" escapes) within a line.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { DatasetError } from "../errors.js";
import type { ColumnData, ColumnSpec } from "./column.js";
import { Frame } from "./frame.js";

/** The number a cell holds (NaN for an empty cell or "nan"), or undefined when it is not a number. */
function cellNumber(cell: string): number | undefined {
  const c = cell.trim();
  if (c === "") return NaN;
  const v = Number(c);
  if (Number.isNaN(v) && c.toLowerCase() !== "nan") return undefined;
  return v;
}

/** Splits one CSV line into its fields. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Builds a Frame from rows handed in twice: once to learn the columns' kinds, once to store the values. */
class CsvFrameReader {
  private header: string[] | undefined;
  /** The pass now reading has gone past its header line. */
  private pastHeader = false;
  private numeric: boolean[] = [];
  private rows = 0;
  private cols: ColumnData[] = [];
  private dicts: Map<string, number>[] = [];
  private at = 0;

  constructor(private readonly name: string) {}

  private row(line: string, lineNo: number): string[] | undefined {
    if (!this.pastHeader) {
      this.pastHeader = true;
      if (this.header === undefined) {
        this.header = splitCsvLine(line);
        this.numeric = this.header.map(() => true);
      }
      return undefined;
    }
    const cells = splitCsvLine(line);
    const d = this.header!.length;
    if (cells.length !== d) {
      throw new DatasetError(
        `${this.name}: line ${lineNo} has ${cells.length} fields, the header has ${d}`,
        "check for unquoted commas or a truncated file",
      );
    }
    return cells;
  }

  /** First pass: a line of the file (1-based `lineNo`; blank lines are skipped by the caller). */
  scan(line: string, lineNo: number): void {
    const cells = this.row(line, lineNo);
    if (!cells) return;
    this.rows++;
    for (let j = 0; j < cells.length; j++)
      if (this.numeric[j] && cellNumber(cells[j]!) === undefined) this.numeric[j] = false;
  }

  /** Between the passes: allocate the columns. */
  allocate(): void {
    if (this.header === undefined) {
      throw new DatasetError(`${this.name}: the CSV is empty`, "the first line must be a header of column names");
    }
    this.cols = this.numeric.map((num) =>
      num ? new Float64Array(this.rows) : { codes: new Uint32Array(this.rows), dict: [] },
    );
    this.dicts = this.numeric.map(() => new Map<string, number>());
    this.pastHeader = false; // the second pass reads the header line again
  }

  /** Second pass: the same lines again. */
  fill(line: string, lineNo: number): void {
    const cells = this.row(line, lineNo);
    if (!cells) return;
    const r = this.at++;
    if (r >= this.rows) throw new DatasetError(`${this.name} changed while it was read`, "read it again");
    for (let j = 0; j < cells.length; j++) {
      const col = this.cols[j]!;
      if (col instanceof Float64Array) {
        col[r] = cellNumber(cells[j]!)!;
      } else {
        const c = col as { codes: Uint32Array; dict: string[] };
        const d = this.dicts[j]!;
        let k = d.get(cells[j]!);
        if (k === undefined) {
          k = c.dict.length;
          c.dict.push(cells[j]!);
          d.set(cells[j]!, k);
        }
        c.codes[r] = k;
      }
    }
  }

  frame(): Frame {
    if (this.at !== this.rows) throw new DatasetError(`${this.name} changed while it was read`, "read it again");
    const header = this.header!;
    const schema: ColumnSpec[] = header.map((h, j) => ({ name: h, type: this.numeric[j] ? "f64" : "str" }));
    const cols: Record<string, ColumnData> = {};
    header.forEach((h, j) => (cols[h] = this.cols[j]!));
    return new Frame(this.name, schema, cols, this.rows);
  }
}

/** Parses CSV text into a Frame named `name`. Empty cells in a numeric column become NaN. */
export function parseCsv(text: string, name = "csv"): Frame {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const reader = new CsvFrameReader(name);
  lines.forEach((l, i) => reader.scan(l, i + 1));
  reader.allocate();
  lines.forEach((l, i) => reader.fill(l, i + 1));
  return reader.frame();
}

/** Calls `each` with every line of a file, streamed (trailing blank lines dropped, "\r\n" handled). */
async function eachLine(path: string, each: (line: string, lineNo: number) => void): Promise<void> {
  const rl = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let n = 0;
  let blank = 0; // blank lines held back: only trailing ones are dropped, as parseCsv does
  for await (const line of rl) {
    n++;
    if (line === "") {
      blank++;
      continue;
    }
    for (; blank > 0; blank--) each("", n - blank);
    each(line, n);
  }
}

/**
 * Reads a CSV file into a Frame (see parseCsv), streaming: any size that fits as columns reads, however long
 * its text. The frame is named after the file.
 */
export async function readCsv(path: string): Promise<Frame> {
  try {
    if (!(await stat(path)).isFile()) throw new Error("not a regular file");
  } catch (e) {
    throw new DatasetError(`cannot read ${path}: ${(e as Error).message}`, "check the path", { cause: e });
  }
  const reader = new CsvFrameReader(path.replace(/^.*\//, "").replace(/\.csv$/i, ""));
  try {
    await eachLine(path, (l, i) => reader.scan(l, i));
    reader.allocate();
    await eachLine(path, (l, i) => reader.fill(l, i));
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`cannot read ${path}: ${(e as Error).message}`, "check the path", { cause: e });
  }
  return reader.frame();
}

// Minimal CSV reader for the compare harness: a header row, then rows; numeric columns become f64 columns of a
// Frame, anything else a dictionary-encoded string column. Handles quoted fields ("a,b", "" escapes).

import { readFile } from "node:fs/promises";
import { DatasetError } from "../errors.js";
import { ColumnData, ColumnSpec, Frame } from "../frame/frame.js";

/** Parses CSV text into a Frame named `name`. Empty cells in a numeric column become NaN. */
export function parseCsv(text: string, name = "csv"): Frame {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0)
    throw new DatasetError(`${name}: the CSV is empty`, "the first line must be a header of column names");
  const header = splitLine(lines[0]!);
  const d = header.length;
  const n = lines.length - 1;
  const raw: string[][] = header.map(() => new Array<string>(n));
  for (let r = 0; r < n; r++) {
    const cells = splitLine(lines[r + 1]!);
    if (cells.length !== d) {
      throw new DatasetError(
        `${name}: line ${r + 2} has ${cells.length} fields, the header has ${d}`,
        "check for unquoted commas or a truncated file",
      );
    }
    for (let j = 0; j < d; j++) raw[j]![r] = cells[j]!;
  }
  const schema: ColumnSpec[] = [];
  const cols: Record<string, ColumnData> = {};
  header.forEach((h, j) => {
    const cells = raw[j]!;
    const nums = new Float64Array(n);
    let numeric = true;
    for (let r = 0; r < n; r++) {
      const c = cells[r]!.trim();
      const v = c === "" ? NaN : Number(c);
      if (c !== "" && Number.isNaN(v) && c.toLowerCase() !== "nan") {
        numeric = false;
        break;
      }
      nums[r] = v;
    }
    if (numeric) {
      schema.push({ name: h, type: "f64" });
      cols[h] = nums;
    } else {
      const dict: string[] = [];
      const index = new Map<string, number>();
      const codes = new Uint32Array(n);
      for (let r = 0; r < n; r++) {
        let k = index.get(cells[r]!);
        if (k === undefined) {
          k = dict.length;
          dict.push(cells[r]!);
          index.set(cells[r]!, k);
        }
        codes[r] = k;
      }
      schema.push({ name: h, type: "str" });
      cols[h] = { codes, dict };
    }
  });
  return new Frame(name, schema, cols, n);
}

/** Reads a CSV file into a Frame (see parseCsv). */
export async function readCsv(path: string): Promise<Frame> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new DatasetError(`cannot read ${path}: ${(e as Error).message}`, "check the path", { cause: e });
  }
  return parseCsv(text, path.replace(/^.*\//, "").replace(/\.csv$/i, ""));
}

function splitLine(line: string): string[] {
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

// query(): SQL over saved captures and datasets with DuckDB, each frame a view named after it (sched, syscalls,
// process, ..., labels, alerts), a dataset's collectors as one view over every host and date.

import { existsSync, lstatSync, readdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DatasetError, OptionError } from "../errors.js";
import { duckMessage, sqlIdent, sqlString, withDuckDB } from "../frame/duckdb-session.js";
import { datasetFiles, isDataset } from "../dataset/layout.js";
import { readLabels } from "../analysis/labels.js";
import { cellOf, QueryCell } from "./cells.js";
import { QueryColumn, QueryResult } from "./query-result.js";

/** One view a source provides. */
export interface QueryView {
  name: string;
  /** What it reads: a file, or a dataset collector's files. */
  from: string;
  files: number;
}

/** Views of one source folder or file, and the SQL that defines each. */
interface ViewDef extends QueryView {
  sql: string;
}

const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * labels.csv as bpflab writes it: its last column (description) runs to the end of the line, commas and all,
 * which no CSV reader takes apart; read by readLabels and given to DuckDB as values.
 */
function labelsView(path: string): ViewDef | undefined {
  let labels;
  try {
    labels = readLabels(path);
  } catch {
    return undefined; // not bpflab's labels format: read as a plain CSV
  }
  const values = labels.map(
    (a) =>
      `(${sqlString(a.kind)}, ${a.pid}, ${sqlString(a.comm)}, ${a.start_s}, ${a.end_s}, ${sqlString(a.description)})`,
  );
  const cols = "kind, pid, comm, start_s, end_s, description";
  const sql = values.length
    ? `SELECT * FROM (VALUES ${values.join(", ")}) AS t(${cols})`
    : `SELECT NULL::VARCHAR kind, NULL::BIGINT pid, NULL::VARCHAR comm, NULL::DOUBLE start_s, NULL::DOUBLE end_s, NULL::VARCHAR description WHERE false`;
  return { name: "labels", from: path, files: 1, sql };
}

function fileView(path: string): ViewDef | undefined {
  const ext = extname(path).toLowerCase();
  const name = basename(path, extname(path)).replace(/[^A-Za-z0-9_]/g, "_");
  if (!VIEW_NAME.test(name)) return undefined;
  if (basename(path) === "labels.csv") {
    const v = labelsView(path);
    if (v) return v;
  }
  if (ext === ".parquet")
    return {
      name,
      from: path,
      files: 1,
      sql: `SELECT * FROM read_parquet(${sqlString(path)}, hive_partitioning = false)`,
    };
  if (ext === ".csv")
    return { name, from: path, files: 1, sql: `SELECT * FROM read_csv(${sqlString(path)}, header = true)` };
  return undefined;
}

/** The views of `source`: a capture folder, a dataset root, or one .parquet/.csv file. */
export function viewsOf(source: string): ViewDef[] {
  if (!existsSync(source)) {
    throw new DatasetError(
      `${source} does not exist`,
      "give a capture folder (bpflab capture --out), a dataset root or a file",
    );
  }
  const st = lstatSync(source);
  if (st.isFile()) {
    const v = fileView(source);
    if (!v)
      throw new OptionError(
        `${source} is not a .parquet or .csv file`,
        "give a capture folder, a dataset root or a file",
      );
    return [v];
  }
  if (!st.isDirectory())
    throw new DatasetError(`${source} is not a folder or a file`, "give a capture folder or a dataset root");
  const views: ViewDef[] = [];
  if (isDataset(source)) {
    const files = datasetFiles(source);
    const by = new Map<string, string[]>();
    for (const f of files) by.set(f.collector, [...(by.get(f.collector) ?? []), f.path]);
    for (const [collector, paths] of by) {
      if (!VIEW_NAME.test(collector)) continue;
      views.push({
        name: collector,
        from: join(source, `collector=${collector}`),
        files: paths.length,
        // The files are listed (real files only, found without following symlinks) rather than globbed; hive
        // partitioning adds the collector, host and date columns from their folders.
        sql:
          `SELECT * EXCLUDE (collector) FROM read_parquet([${paths.map(sqlString).join(", ")}], ` +
          `hive_partitioning = true, union_by_name = true)`,
      });
    }
  }
  // Files beside the frames: a capture's <collector>.parquet, labels.csv, alerts.parquet, ...
  for (const name of readdirSync(source).sort()) {
    const path = join(source, name);
    if (name.startsWith(".") || !lstatSync(path).isFile()) continue;
    const v = fileView(path);
    if (v && !views.some((w) => w.name === v.name)) views.push(v);
  }
  if (views.length === 0) {
    throw new DatasetError(
      `${source} holds no Parquet or CSV files and no collector=… folders`,
      "give a folder written by bpflab capture --out, or a dataset root (bpflab capture --dataset ROOT)",
    );
  }
  return views;
}

/** An open DuckDB with a source's views: run several queries on one setup. */
export class QuerySession {
  readonly views: readonly QueryView[];
  private readonly con: DuckDBConnection;

  constructor(con: DuckDBConnection, views: readonly QueryView[]) {
    this.con = con;
    this.views = views;
  }

  /** Runs `sql`; a SQL mistake is an OptionError naming the views. */
  async run(sql: string): Promise<QueryResult> {
    const rows: QueryCell[][] = [];
    const columns = await this.stream(sql, (chunk) => {
      for (const r of chunk) rows.push(r);
    });
    return new QueryResult(columns, rows);
  }

  /**
   * Runs `sql` and hands its rows over chunk by chunk (about 2048 rows each), so a large result is never held
   * whole; returns the columns. `onChunk` may stop the stream by returning false.
   */
  async stream(
    sql: string,
    onChunk: (rows: QueryCell[][], columns: QueryColumn[]) => boolean | void,
  ): Promise<QueryColumn[]> {
    let result;
    try {
      result = await this.con.stream(sql);
    } catch (e) {
      throw this.sqlError(e);
    }
    const columns = result.columnNames().map((name, i) => ({ name, type: result.columnType(i).toString() }));
    try {
      for await (const chunk of result.yieldRows()) {
        if (
          onChunk(
            chunk.map((r) => r.map(cellOf)),
            columns,
          ) === false
        )
          break;
      }
    } catch (e) {
      throw this.sqlError(e);
    }
    return columns;
  }

  private sqlError(e: unknown): Error {
    const msg = duckMessage(e).replace(/^Failed to extract statements: /, "");
    const names = this.views.map((v) => v.name).join(", ");
    if (/(Parser|Binder|Catalog|Conversion|Invalid Input) Error/.test(msg)) {
      return new OptionError(`SQL: ${msg}`, `tables here: ${names} (bpflab sql SOURCE lists their columns)`, {
        cause: e,
      });
    }
    return new DatasetError(`SQL: ${msg}`, `tables here: ${names}`, { cause: e });
  }
}

/** Runs `fn` with a QuerySession on `source`, closing DuckDB afterwards. */
export async function withQuery<T>(source: string, fn: (s: QuerySession) => Promise<T>): Promise<T> {
  const defs = viewsOf(source);
  return withDuckDB(async (con) => {
    for (const v of defs) {
      try {
        await con.run(`CREATE VIEW ${sqlIdent(v.name)} AS ${v.sql}`);
      } catch (e) {
        throw new DatasetError(
          `cannot read ${v.from}: ${duckMessage(e)}`,
          "check that the file is a complete Parquet or CSV file",
          {
            cause: e,
          },
        );
      }
    }
    return fn(
      new QuerySession(
        con,
        defs.map(({ name, from, files }) => ({ name, from, files })),
      ),
    );
  });
}

/**
 * Runs SQL on a saved capture (each collector's frame is a view named after it, and so are labels.csv and
 * other Parquet/CSV files beside them), on a dataset root (each collector one view over every host and date,
 * with `host` and `date` columns), or on one Parquet/CSV file (a view named after it). No root needed.
 *
 * @example
 *   const r = await query("/tmp/cap", "SELECT comm, sum(count) AS calls FROM syscalls GROUP BY comm ORDER BY calls DESC LIMIT 5");
 *   r.toObjects();   // [{ comm: "redis-server", calls: 123456 }, ...]
 *   show(r);         // a table in the notebook
 */
export async function query(source: string, sql: string): Promise<QueryResult> {
  return withQuery(source, (s) => s.run(sql));
}

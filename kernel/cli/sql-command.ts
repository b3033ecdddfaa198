// `bpflab sql SOURCE "SELECT …"`: SQL over a capture or a dataset with DuckDB; a table, --json or --csv.

import { readFileSync } from "node:fs";
import { OptionError } from "../errors.js";
import { withQuery } from "../query/query.js";
import { csvField, QueryColumn } from "../query/query-result.js";
import type { QueryCell } from "../query/cells.js";
import { defineCommand, Invocation } from "./command.js";
import { textTable } from "../report/summary.js";
import { textCell } from "./rows.js";

export const sqlCommand = defineCommand({
  name: "sql",
  summary: "run SQL (DuckDB) on a capture or a dataset; each frame is a table",
  description:
    "Runs SQL on a saved capture (tables sched, syscalls, process, ... and labels, alerts when present), on a\n" +
    "dataset root (each collector one table over every host and date, with host and date columns) or on one\n" +
    "Parquet/CSV file. Without SQL, lists the tables and their columns. No root needed.",
  args: [
    { name: "source", description: "capture folder, dataset root, or a .parquet/.csv file", required: true },
    { name: "sql", description: 'the query; "-" reads it from stdin; none lists the tables' },
  ],
  json: true,
  options: [
    { flags: "--csv", description: "print CSV (header line, RFC 4180 quoting)" },
    { flags: "--max-rows <N>", description: "rows a table shows (--json and --csv print all)", defaultText: "1000" },
  ],
  examples: [
    ["bpflab sql /tmp/cap", "the tables and their columns"],
    [
      'bpflab sql /tmp/cap "SELECT comm, sum(count) calls FROM syscalls GROUP BY comm ORDER BY calls DESC LIMIT 5"',
      "busiest processes by syscalls",
    ],
    ['bpflab sql datasets/redis-injected "SELECT * FROM labels" --json', "the labelled anomalies as JSON"],
    ['bpflab sql /data/fleet "SELECT host, sum(oncpu_ns)/1e9 cpu_s FROM sched GROUP BY host"', "across hosts"],
    ['bpflab sql /tmp/cap "SELECT * FROM sched" --csv > sched.csv', "export as CSV"],
  ],
  run: runSql,
});

async function runSql(inv: Invocation): Promise<number> {
  const [source, sqlArg, ...extra] = inv.args;
  if (!source) throw new OptionError("sql needs a SOURCE", 'bpflab sql DIR "SELECT …"');
  if (extra.length) throw new OptionError(`sql takes one query, got ${extra.length + 1} more words`, "quote the query");
  if (inv.json && inv.flag("csv")) throw new OptionError("--json and --csv both given", "choose one");
  const maxRows = inv.int("max-rows", { min: 1 }, 1000)!;
  const sql = sqlArg === "-" ? readFileSync(0, "utf8") : sqlArg;
  return withQuery(source, async (s) => {
    if (sql === undefined || sql.trim() === "") {
      const tables: { table: string; rows: number; columns: string; from: string }[] = [];
      for (const v of s.views) {
        const cols = await s.run(`SELECT column_name, column_type FROM (DESCRIBE "${v.name}")`);
        const n = await s.run(`SELECT count(*) FROM "${v.name}"`);
        tables.push({
          table: v.name,
          rows: Number(n.rows[0]?.[0] ?? 0),
          columns: cols.rows.map((r) => `${r[0]} ${r[1]}`).join(", "),
          from: v.from,
        });
      }
      if (inv.json) process.stdout.write(JSON.stringify(tables, null, 2) + "\n");
      else
        process.stdout.write(
          tables.map((t) => `${t.table} (${t.rows} rows, ${t.from})\n  ${t.columns}`).join("\n\n") + "\n",
        );
      return 0;
    }
    if (inv.flag("csv")) {
      let header = false;
      await s.stream(sql, (rows, columns) => {
        if (!header) process.stdout.write(columns.map((c) => csvField(c.name)).join(",") + "\n");
        header = true;
        process.stdout.write(rows.map((r) => r.map(csvField).join(",") + "\n").join(""));
      });
      return 0;
    }
    if (inv.json) {
      let n = 0;
      process.stdout.write("[");
      await s.stream(sql, (rows, columns) => {
        for (const r of rows) process.stdout.write(`${n++ ? "," : ""}\n  ${JSON.stringify(objectOf(columns, r))}`);
      });
      process.stdout.write(n ? "\n]\n" : "]\n");
      return 0;
    }
    const rows: QueryCell[][] = [];
    let more = 0;
    const columns = await s.stream(sql, (chunk) => {
      for (const r of chunk) {
        if (rows.length < maxRows) rows.push(r);
        else more++;
      }
    });
    process.stdout.write(
      textTable(
        columns.map((c) => c.name),
        rows.map((r) => r.map(textCell)),
      ) + "\n",
    );
    process.stdout.write(
      `(${rows.length + more} row${rows.length + more === 1 ? "" : "s"}${more ? `, ${more} not shown: add LIMIT, --max-rows, --csv or --json` : ""})\n`,
    );
    return 0;
  });
}

function objectOf(columns: readonly QueryColumn[], r: readonly QueryCell[]): Record<string, QueryCell> {
  return Object.fromEntries(columns.map((c, i) => [c.name, r[i] ?? null]));
}

// The fleet dataset layout: ROOT/collector=<name>/host=<host>/date=<YYYY-MM-DD>/<start>-<id>.parquet, the Hive
// partitioning DuckDB, Spark and Polars read as one table per collector (with host and date columns).

import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** A partition value as a directory name: letters, digits, '.', '_', '-' kept, anything else '_' (Hive readers
 * differ on %-unescaping, so values are kept to characters every reader reads back as written). */
export function partitionValue(v: string): string {
  const s = v.replace(/[^A-Za-z0-9._-]/g, "_");
  return s === "" || s === "." || s === ".." ? "_" : s;
}

/** The UTC date (YYYY-MM-DD) of a wall-clock time in µs since the epoch. */
export function utcDate(micros: number): string {
  return new Date(micros / 1000).toISOString().slice(0, 10);
}

/** The folder of one partition. */
export function partitionDir(root: string, collector: string, host: string, date: string): string {
  return join(root, `collector=${partitionValue(collector)}`, `host=${partitionValue(host)}`, `date=${date}`);
}

function subdirs(dir: string, key: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const prefix = `${key}=`;
  // Real directories only: a symlink in a dataset is not followed.
  return names
    .filter((n) => n.startsWith(prefix) && lstatSync(join(dir, n)).isDirectory())
    .map((n) => n.slice(prefix.length))
    .sort();
}

/** True when `root` holds at least one `collector=…` folder. */
export function isDataset(root: string): boolean {
  return subdirs(root, "collector").length > 0;
}

/** The collectors of a dataset. */
export function datasetCollectors(root: string): string[] {
  return subdirs(root, "collector");
}

/** The hosts of a dataset (over every collector, or one). */
export function datasetHosts(root: string, collector?: string): string[] {
  const cs = collector ? [collector] : datasetCollectors(root);
  return [...new Set(cs.flatMap((c) => subdirs(join(root, `collector=${c}`), "host")))].sort();
}

export interface DatasetFilter {
  collectors?: readonly string[];
  hosts?: readonly string[];
  /** Dates from (inclusive) and to (inclusive), YYYY-MM-DD: whole partitions outside are skipped. */
  fromDate?: string;
  toDate?: string;
}

export interface DatasetFile {
  collector: string;
  host: string;
  date: string;
  path: string;
}

/** The Parquet files of a dataset, pruned by collector, host and date from the folder names alone. */
export function datasetFiles(root: string, f: DatasetFilter = {}): DatasetFile[] {
  const hosts = f.hosts ? new Set(f.hosts.map(partitionValue)) : undefined;
  const out: DatasetFile[] = [];
  for (const collector of datasetCollectors(root)) {
    if (f.collectors && !f.collectors.includes(collector)) continue;
    const cdir = join(root, `collector=${collector}`);
    for (const host of subdirs(cdir, "host")) {
      if (hosts && !hosts.has(host)) continue;
      const hdir = join(cdir, `host=${host}`);
      for (const date of subdirs(hdir, "date")) {
        if ((f.fromDate && date < f.fromDate) || (f.toDate && date > f.toDate)) continue;
        const ddir = join(hdir, `date=${date}`);
        for (const name of readdirSync(ddir).sort()) {
          const path = join(ddir, name);
          if (name.endsWith(".parquet") && !name.startsWith(".") && lstatSync(path).isFile())
            out.push({ collector, host, date, path });
        }
      }
    }
  }
  return out;
}

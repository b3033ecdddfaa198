// Ground truth for labelled captures: injected anomalies (who, when), and the 0/1 label of each features row.

import { readFileSync } from "node:fs";
import { DatasetError } from "../errors.js";
import type { Features } from "../features/features.js";

/** One injected anomaly: process `pid` behaved abnormally from `start_s` to `end_s` (seconds since capture start). */
export interface InjectedAnomaly {
  kind: string;
  pid: number;
  comm: string;
  start_s: number;
  end_s: number;
  description: string;
}

/** Reads a labels CSV (header kind,pid,comm,start_s,end_s,description), as written by scripts/make-dataset.ts. */
export function readLabels(path: string): InjectedAnomaly[] {
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const head = lines[0]?.split(",") ?? [];
  const want = ["kind", "pid", "comm", "start_s", "end_s", "description"];
  if (want.some((w, i) => head[i] !== w)) {
    throw new DatasetError(
      `${path}: not a bpflab labels file (header ${JSON.stringify(lines[0])})`,
      `expected the header ${want.join(",")}`,
    );
  }
  return lines.slice(1).map((l, i) => {
    const c = l.split(",");
    const a = {
      kind: c[0]!,
      pid: Number(c[1]),
      comm: c[2]!,
      start_s: Number(c[3]),
      end_s: Number(c[4]),
      description: c.slice(5).join(","),
    };
    if (!Number.isFinite(a.pid) || !Number.isFinite(a.start_s) || !Number.isFinite(a.end_s)) {
      throw new DatasetError(`${path}: line ${i + 2} has a bad number: ${l}`, "pid, start_s and end_s must be numbers");
    }
    return a;
  });
}

export function writeLabelsCsv(anomalies: InjectedAnomaly[]): string {
  return (
    [
      "kind,pid,comm,start_s,end_s,description",
      ...anomalies.map((a) =>
        [a.kind, a.pid, a.comm, a.start_s.toFixed(3), a.end_s.toFixed(3), a.description.replace(/\n/g, " ")].join(","),
      ),
    ].join("\n") + "\n"
  );
}

/**
 * 1 for each features row (window, process) whose process is an injected anomaly's pid and whose window
 * overlaps the anomaly's time, else 0. Rows must be keyed by pid (features(..., { by: "pid" })).
 */
export function labelRows(f: Features, anomalies: InjectedAnomaly[]): Uint8Array {
  if (!f.keys.has("pid"))
    throw new DatasetError("labelRows needs features by pid", 'build them with features(cap, { by: "pid" })');
  const t = f.keys.numeric("t_s");
  const pid = f.keys.numeric("pid");
  const out = new Uint8Array(f.keys.length);
  for (let i = 0; i < out.length; i++) {
    for (const a of anomalies) {
      if (pid[i] === a.pid && t[i]! < a.end_s && t[i]! + f.windowS > a.start_s) out[i] = 1;
    }
  }
  return out;
}

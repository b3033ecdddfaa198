// Anomaly detection over a fleet: per host (each host against its own normal), or across hosts (one model over
// every host's (window, process) rows on a shared clock, so a host that behaves unlike the fleet stands out).

import { Capture, CaptureMeta } from "../capture/capture.js";
import type { Cell, ColumnData, Frame } from "../frame/frame.js";
import { Anomaly, AnomalyReport, findAnomalies, FindAnomaliesOptions } from "../analysis/anomalies.js";
import { OptionError } from "../errors.js";
import { concatFrames } from "../frame/concat.js";
import { Dataset, withColumns } from "./load-dataset.js";

/** pid_max's ceiling (2^22): fleet ids put the host's index above it. */
const PID_SPAN = 2 ** 22;
const MAX_HOSTS = Math.floor(2 ** 32 / PID_SPAN);

/** Each host's own ranking. */
export function findAnomaliesByHost(ds: Dataset, opts: FindAnomaliesOptions = {}): Map<string, AnomalyReport> {
  return new Map(ds.hosts.map((h) => [h, findAnomalies(ds.capture(h), opts)]));
}

/** A ranking over every host: each top row's entity starts with its `host`; `hostOfRow` maps feature rows. */
export interface FleetReport extends AnomalyReport {
  hosts: string[];
  /** The host of each features row (row-aligned with features.keys and the scores). */
  hostOfRow: string[];
}

/** Process identities made unique over the fleet: host index × 2^22 + pid (likewise tid, ppid, cgroup ids). */
function fleetFrame(f: Frame, hostIndex: number): Frame {
  const replace: Record<string, ColumnData> = {};
  for (const name of ["pid", "tid", "ppid"]) {
    if (!f.has(name)) continue;
    const src = f.column(name) as Uint32Array;
    const out = new Uint32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = hostIndex * PID_SPAN + (src[i]! % PID_SPAN);
    replace[name] = out;
  }
  if (f.has("cgroup_id")) {
    const src = f.column("cgroup_id") as BigUint64Array;
    const out = new BigUint64Array(src.length);
    const hi = BigInt(hostIndex) << 48n;
    for (let i = 0; i < src.length; i++) out[i] = hi | (src[i]! & 0xffff_ffff_ffffn);
    replace["cgroup_id"] = out;
  }
  return withColumns(f, replace);
}

/**
 * Ranks (window, entity) rows of every selected host together: one set of detectors fitted on the whole fleet,
 * windows aligned on wall-clock time. Entities are reported as { host, pid, comm } (or tid/comm/cgroup_id).
 *
 * @example const r = findAnomaliesAcrossHosts(await loadDataset("/data/bpflab"), { by: "pid" }); r.top[0].entity.host
 */
export function findAnomaliesAcrossHosts(ds: Dataset, opts: FindAnomaliesOptions = {}): FleetReport {
  const hosts = ds.hosts;
  if (hosts.length > MAX_HOSTS) {
    throw new OptionError(
      `${hosts.length} hosts is more than ${MAX_HOSTS} at once`,
      "narrow the selection with { hosts }",
    );
  }
  const frames: Record<string, Frame> = {};
  for (const c of ds.collectors) {
    const all = ds.frame(c);
    const hostCol = all.strings("host");
    const index = new Map(hosts.map((h, i) => [h, i]));
    // one pass per host keeps each host's index constant inside its rows
    const parts = hosts.map((h) =>
      fleetFrame(
        all.filter((i) => hostCol[i] === h),
        index.get(h)!,
      ),
    );
    frames[c] = parts.length === 1 ? parts[0]! : concatFrames(c, parts);
  }
  const start = ds.startUs;
  const end = Math.max(...ds.captures.map((m) => m.wallStartUs + m.elapsedMs * 1000));
  const first = ds.captures[0]!;
  const meta: CaptureMeta = {
    ...first,
    host: hosts.join(","),
    wallStartUs: start,
    durationMs: (end - start) / 1000,
    elapsedMs: (end - start) / 1000,
    collectors: ds.collectors,
    lost: {},
    interrupted: ds.captures.some((m) => m.interrupted),
  };
  // One model over the whole fleet is the unsupervised mode (a host unlike the others stands out), unless asked.
  const report = findAnomalies(new Capture(meta, frames), { mode: "unsupervised", ...opts });
  const keys = report.features.keys;
  const idCol = ["pid", "tid", "cgroup_id"].find((k) => keys.has(k));
  const hostOfRow = idCol
    ? keys.values(idCol).map((v) => (v === null ? "?" : (hosts[hostIndexOf(v)] ?? "?")))
    : keys.values(keys.columnNames[0]!).map(() => "?");
  const top = report.top.map((a): Anomaly => ({ ...a, entity: { host: hostOfRow[a.row]!, ...restore(a.entity) } }));
  return { ...report, top, hosts, hostOfRow };
}

function hostIndexOf(v: Cell): number {
  if (typeof v === "bigint") return Number(v >> 48n);
  return Math.floor(Number(v) / PID_SPAN);
}

/** The host's own ids back from fleet ids. */
function restore(entity: Record<string, Cell>): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [k, v] of Object.entries(entity)) {
    if ((k === "pid" || k === "tid") && typeof v === "number") out[k] = v % PID_SPAN;
    else if (k === "cgroup_id" && typeof v === "bigint") out[k] = v & 0xffff_ffff_ffffn;
    else out[k] = v;
  }
  return out;
}

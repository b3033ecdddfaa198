// disk: block I/O per issuing thread, disk and operation per interval (requests, bytes, queue and service
// time); pairs with bpf/disk.{bpf.c,h}.

import { readFileSync } from "node:fs";
import { histogramFrame, histogramOption } from "./histogram.js";
import { kernelHasTracepoint } from "./kernel-features.js";
import { ColumnDecl, defineCollector } from "./schema.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

// Block device names by the kernel's dev_t (major << 20 | minor), from /proc/partitions: read once, then again
// when a device it has not seen appears (hot-plugged disks, new loop devices), at most once a second.
let names = new Map<number, string>();
let readAt = -Infinity;

/** The kernel's internal dev_t of a major:minor pair (MKDEV in include/linux/kdev_t.h). */
export function kernelDev(major: number, minor: number): number {
  return ((major << 20) | minor) >>> 0;
}

/** Parses /proc/partitions ("major minor #blocks name" lines after a header). */
export function parsePartitions(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+(\S+)\s*$/.exec(line);
    if (m) out.set(kernelDev(Number(m[1]), Number(m[2])), m[3]!);
  }
  return out;
}

/** The name of block device `dev` ("vda", "nvme0n1"), or "major:minor" when the kernel does not list it. */
export function blockDeviceName(dev: number): string {
  let name = names.get(dev);
  if (name === undefined && Date.now() - readAt > 1000) {
    readAt = Date.now();
    try {
      names = parsePartitions(readFileSync("/proc/partitions", "utf8"));
    } catch {
      // no procfs (a container without it): the numbers are all there is
    }
    name = names.get(dev);
  }
  return name ?? `${dev >>> 20}:${dev & 0xfffff}`;
}

/** REQ_OP_* of include/linux/blk_types.h (stable since 4.10; the low byte of a request's cmd_flags). */
const OPS: Record<number, string> = {
  0: "read",
  1: "write",
  2: "flush",
  3: "discard",
  5: "secure-erase",
  7: "zone-append",
  9: "write-zeroes",
  10: "zone-open",
  11: "zone-close",
  12: "zone-finish",
  13: "zone-reset",
  15: "zone-reset-all",
  34: "drv-in",
  35: "drv-out",
};

/** The key columns the main and histogram frames share. */
const keyColumns: Record<string, ColumnDecl> = {
  device: {
    from: "key.dev",
    type: "str",
    map: (dev) => blockDeviceName(Number(dev)),
    description: "the disk (whole device) the request was for, as /proc/partitions names it",
  },
  major: { from: "key.dev", type: "u32", map: (dev) => Number(dev) >>> 20, description: "device major number" },
  minor: { from: "key.dev", type: "u32", map: (dev) => Number(dev) & 0xfffff, description: "device minor number" },
  op: {
    from: "key.op",
    type: "str",
    map: (op) => OPS[Number(op)] ?? `op-${op}`,
    description: "read | write | flush | discard | write-zeroes | ...",
  },
};

/**
 * One row per issuing thread, disk and operation per interval, charged to the thread that made the request
 * even when it completes in interrupt context; with `histogram`, disk_hist has the queue and service time
 * distributions (what biolatency -Q and biolatency show).
 * @example await capture({ collectors: { disk: { histogram: true } }, duration: "10s" })
 */
export const disk = defineCollector({
  name: "disk",
  description:
    "block I/O per issuing thread, disk and op: requests, bytes, queue (insert→issue) and service (issue→complete) time",
  tracepoints: [
    "block:block_io_start (6.5+)",
    "block:block_rq_insert",
    "block:block_rq_issue",
    "block:block_rq_merge",
    "block:block_bio_backmerge",
    "block:block_bio_frontmerge",
    "block:block_rq_complete (all tp_btf)",
  ],
  options: {
    histogram: histogramOption("each request's queue and service time, per thread, disk and op"),
  },
  // before 6.5 a request's issuer is taken where it is inserted or issued; after, only for one made without a
  // bio (a request with bios not seen at block_io_start was made before the capture)
  config: (o) => ({ histogram: o.histogram, io_start: kernelHasTracepoint("block_io_start") }),
  disabledPrograms: () => (kernelHasTracepoint("block_io_start") ? [] : ["disk_io_start"]),
  frames: [
    {
      name: "disk",
      source: { kind: "aggregate", map: "counts", key: "disk_key", value: "disk_val" },
      identity: THREAD_KEY_IDENTITY,
      columns: {
        ...keyColumns,
        count: { from: "val.count", type: "i64", unit: "requests", description: "requests completed in the interval" },
        bytes: {
          from: "val.bytes",
          type: "i64",
          unit: "bytes",
          description:
            "bytes the thread issued to the disk (at first issue), charged once each whichever request carried them",
        },
        errors: { from: "val.errors", type: "i64", unit: "requests", description: "completed with an error" },
        queued: {
          from: "val.queued",
          type: "i64",
          unit: "requests",
          description: "requests that waited in the I/O scheduler (the rest were issued directly)",
        },
        queue_ns: {
          from: "val.queue_ns",
          type: "i64",
          unit: "ns",
          description: "total insert-to-issue time (waiting in the kernel's queue)",
        },
        queue_max_ns: { from: "val.queue_max_ns", type: "i64", unit: "ns", description: "longest queue wait" },
        service_ns: {
          from: "val.service_ns",
          type: "i64",
          unit: "ns",
          description: "total issue-to-completion time (the device's)",
        },
        service_max_ns: { from: "val.service_max_ns", type: "i64", unit: "ns", description: "longest service time" },
      },
      display: {
        live: {
          rates: [
            { name: "disk MiB/s", columns: ["bytes"], scale: 2 ** -20 },
            { name: "disk requests/s", columns: ["count"] },
          ],
        },
        summary: [
          {
            key: "disk_io",
            title: "disk I/O by process (disk)",
            by: ["process", "device", "op"],
            columns: [
              { column: "bytes", header: "MiB", scale: 2 ** -20 },
              { column: "count", header: "requests" },
              { column: "service_ns", header: "service ms", scale: 1e-6 },
              { column: "queue_ns", header: "queue ms", scale: 1e-6 },
              { column: "service_max_ns", header: "max service ms", agg: "max", scale: 1e-6 },
            ],
            top: 8,
          },
        ],
        report: [{ plot: "timeline", metric: "bytes", title: "Disk bytes per interval per process" }],
      },
      features: {
        prefix: "disk_",
        columns: {
          count: "sum",
          bytes: "sum",
          errors: "sum",
          queue_ns: "sum",
          service_ns: "sum",
          queue_max_ns: "max",
          service_max_ns: "max",
        },
        ratios: [
          { name: "disk_mean_service_ns", num: "disk_service_ns", den: "disk_count" },
          { name: "disk_mean_queue_ns", num: "disk_queue_ns", den: "disk_count" },
        ],
        breakdown: {
          by: "op",
          top: 4,
          weight: "count",
          name: "disk_{value}_{column}",
          columns: { count: "sum", bytes: "sum", service_ns: "sum" },
          ratios: [{ name: "disk_{value}_mean_service_ns", num: "service_ns", den: "count" }],
        },
      },
    },
    histogramFrame({
      name: "disk_hist",
      source: { kind: "aggregate", map: "hists", key: "disk_key", value: "disk_hist" },
      identity: THREAD_KEY_IDENTITY,
      keys: keyColumns,
      // enum disk_stage's order in the value's slots
      parts: {
        column: "stage",
        names: ["queue", "service"],
        description: "queue (insert→issue) | service (issue→complete)",
      },
      counts: "requests",
      what: "disk I/O time",
      summaryBy: ["device", "op", "stage"],
      plotWhere: { stage: "service" },
      features: { prefix: "disk_service_", columns: {}, quantiles: { q: [0.5, 0.99], where: { stage: "service" } } },
    }),
  ],
});

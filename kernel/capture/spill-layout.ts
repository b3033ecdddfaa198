// The layout of a capture's private folder while it is written: the start record, numbered Parquet segments per
// frame, and compacted ranges of them. Shared by segment-writer.ts (writes), load-capture.ts and recover.ts (read).

import type { ColumnSpec } from "../frame/frame.js";
import type { CaptureMeta } from "./capture-meta.js";

/** The start record: the metadata known when the capture began and each frame's schema. */
export const START_FILE = "capture.json";
/** Suffix of a file still being written (never read: a crash leaves it half-written). */
export const PART = ".part";
/** Key-value metadata key of a segment file: which frame, which segment numbers, and when it was cut. */
export const SEGMENT_KEY = "bpflab.segment";

export interface StartRecord {
  meta: CaptureMeta;
  frames: { name: string; schema: ColumnSpec[] }[];
  /** Mode of the capture's files (what `bpflab recover` gives the files it writes). */
  mode?: number;
  /** Present once the capture ended (finish or abort wrote it): the final metadata was known. */
  ended?: boolean;
}

/** What a segment file says about itself (SEGMENT_KEY). */
export interface SegmentInfo {
  frame: string;
  /** Segment numbers it holds, inclusive: from === to for a single segment, a range after compaction. */
  from: number;
  to: number;
  /** Milliseconds since the capture began when its last rows were appended. */
  endMs: number;
}

const pad = (n: number) => String(n).padStart(6, "0");

/** File name of frame `frame`'s segments `from`..`to`: "sched.000007.parquet", "sched.000001-000032.parquet". */
export function segmentName(frame: string, from: number, to = from): string {
  return from === to ? `${frame}.${pad(from)}.parquet` : `${frame}.${pad(from)}-${pad(to)}.parquet`;
}

/** The frame and segment numbers a file name stands for, or undefined for anything else. */
export function parseSegmentName(name: string): { frame: string; from: number; to: number } | undefined {
  const m = /^(.+)\.(\d{6,})(?:-(\d{6,}))?\.parquet$/.exec(name);
  if (!m) return undefined;
  const from = Number(m[2]);
  return { frame: m[1]!, from, to: m[3] !== undefined ? Number(m[3]) : from };
}

/**
 * The segment files of `frame` among `names` whose rows together are the frame, in order: a compacted range
 * replaces the single segments it covers (a crash between writing a range and deleting its parts leaves both).
 */
export function liveSegments(names: readonly string[], frame: string): string[] {
  const segs = names.flatMap((n) => {
    const p = parseSegmentName(n);
    return p && p.frame === frame ? [{ name: n, ...p }] : [];
  });
  const covered = (s: (typeof segs)[number]) =>
    segs.some((o) => o !== s && o.from <= s.from && o.to >= s.to && o.to - o.from > s.to - s.from);
  return segs
    .filter((s) => !covered(s))
    .sort((a, b) => a.from - b.from)
    .map((s) => s.name);
}

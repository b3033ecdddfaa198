// JIT symbols from /tmp/perf-PID.map (what `node --perf-basic-prof` and other JITs write: "START SIZE name",
// hex), read safely as root: never through a symlink, only a regular file owned by the process's own user.

import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from "node:fs";

/** A perf map bigger than this is read only up to here (the JIT appends for as long as it runs). */
const MAX_BYTES = 64 << 20;

export class PerfMap {
  private readonly start: Float64Array;
  private readonly end: Float64Array;
  private readonly names: string[];
  /** Bytes read: a longer file later has new entries. */
  readonly bytes: number;

  private constructor(start: Float64Array, end: Float64Array, names: string[], bytes: number) {
    this.start = start;
    this.end = end;
    this.names = names;
    this.bytes = bytes;
  }

  /** Parses the map's text; a later entry for the same address wins (the JIT reused the memory). */
  static parse(text: string, bytes = text.length): PerfMap {
    const rows: { s: number; e: number; n: string; i: number }[] = [];
    let i = 0;
    for (const line of text.split("\n")) {
      const a = line.indexOf(" ");
      const b = line.indexOf(" ", a + 1);
      if (a <= 0 || b < 0) continue;
      const s = parseInt(line.slice(0, a), 16);
      const len = parseInt(line.slice(a + 1, b), 16);
      if (!Number.isFinite(s) || !Number.isFinite(len)) continue;
      rows.push({ s, e: s + len, n: line.slice(b + 1).trim(), i: i++ });
    }
    rows.sort((x, y) => x.s - y.s || x.i - y.i);
    return new PerfMap(
      Float64Array.from(rows, (r) => r.s),
      Float64Array.from(rows, (r) => r.e),
      rows.map((r) => r.n),
      bytes,
    );
  }

  get size(): number {
    return this.names.length;
  }

  /** The JIT function holding `addr`. */
  lookup(addr: number): string | undefined {
    const s = this.start;
    let lo = 0,
      hi = s.length - 1,
      k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= addr) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // the last entry starting at or below addr that still covers it (newer code replaced older)
    for (let j = k; j >= 0 && j > k - 64; j--) if (addr < this.end[j]!) return this.names[j];
    return undefined;
  }
}

/** The uid owning process `pid` (its real uid), or undefined when it is gone. */
function processUid(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `/tmp/perf-<pid>.map` if it exists and is safe to read: opened with O_NOFOLLOW (a symlink planted there
 * is refused) and O_NONBLOCK (a FIFO cannot hang us), then accepted only as a regular file owned by the
 * process's user (or root). Undefined when absent or refused. `dir` is for tests.
 */
export function readPerfMap(pid: number, dir = "/tmp"): PerfMap | undefined {
  let fd: number;
  try {
    fd = openSync(`${dir}/perf-${pid}.map`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = processUid(pid);
    if (!st.isFile() || uid === undefined || (st.uid !== uid && st.uid !== 0)) return undefined;
    const len = Math.min(st.size, MAX_BYTES);
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, got);
      if (n <= 0) break;
      got += n;
    }
    // the last line may be half written: parse complete lines only
    const end = buf.lastIndexOf(10, got - 1) + 1;
    return PerfMap.parse(buf.toString("utf8", 0, end), end);
  } finally {
    closeSync(fd);
  }
}

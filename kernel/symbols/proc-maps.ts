// /proc/PID/maps parsed into the file-backed and anonymous mappings of a process, read while it lives, so
// its user stacks can be symbolized after it exits.

import { readFileSync } from "node:fs";

export interface Mapping {
  start: number;
  end: number;
  /** File offset of `start`. */
  offset: number;
  /** "fd:01" as the kernel prints it, and the inode: what the mapped file is, whatever its path now. */
  dev: string;
  inode: number;
  /** The file, "[vdso]", "[heap]", "[stack]", or "" for anonymous memory (JIT code lives there). */
  path: string;
  executable: boolean;
}

/** Parses the text of /proc/PID/maps. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    // start-end perms offset dev inode   path (the path may hold spaces, and " (deleted)")
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      executable: m[3]![2] === "x",
      offset: parseInt(m[4]!, 16),
      dev: m[5]!,
      inode: Number(m[6]),
      path: m[7]!,
    });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The mappings of `pid` now, or undefined when it is gone (or its memory is not readable). */
export function readMaps(pid: number): Mapping[] | undefined {
  try {
    return parseMaps(readFileSync(`/proc/${pid}/maps`, "utf8"));
  } catch {
    return undefined;
  }
}

/** The mapping holding `addr` (mappings sorted by start). */
export function mappingAt(maps: readonly Mapping[], addr: number): Mapping | undefined {
  let lo = 0,
    hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid]!;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** st_dev of a stat as the "major:minor" hex pair /proc/PID/maps prints (Linux's new_encode_dev split). */
export function devString(dev: number): string {
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff & 0xfffff);
  return `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
}

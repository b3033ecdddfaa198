// What a capture could not store, made impossible to miss: the `drops` frame (records lost per collector and
// process, so a reader knows whose rows are undercounted) and the warning that says how to avoid it.

import { readFileSync } from "node:fs";
import type { ColumnSpec, Frame } from "../frame/frame.js";
import { FrameBuilder } from "../frame/frame-builder.js";

export const DROPS_FRAME = "drops";

export const dropsSchema = [
  { name: "collector", type: "str", description: "the collector that lost the records" },
  { name: "pid", type: "u32", description: "the process whose records were lost (its rows are undercounted)" },
  { name: "process", type: "str", description: "its name, when it could still be read at the end" },
  { name: "lost", type: "i64", unit: "records", description: "rows or events the kernel could not store" },
] as const satisfies readonly ColumnSpec[];

/** The drops frame from each collector's lost records per process. */
export function dropsFrame(perCollector: { collector: string; byPid: Map<number, number> }[]): Frame {
  const b = new FrameBuilder(dropsSchema, 16);
  for (const { collector, byPid } of perCollector) {
    for (const [pid, n] of [...byPid].sort((x, y) => y[1] - x[1])) {
      const r = b.beginRow();
      b.setStr(0, r, collector);
      b.setNum(1, r, pid);
      b.setStr(2, r, processName(pid));
      b.setNum(3, r, n);
    }
  }
  return b.finish(DROPS_FRAME);
}

/**
 * One warning line per collector that lost records, naming the busiest undercounted processes and the fix:
 * bigger maps, a pid filter, or a shorter interval (fewer keys per interval); for records an event ring could
 * not hold (`ringLost`, per collector), bigger rings or fewer events, which is what helps there.
 */
export function dropWarnings(
  lost: Record<string, number>,
  drops: Frame,
  ringLost: Record<string, number> = {},
): string[] {
  const out: string[] = [];
  const col = drops.strings("collector"),
    pid = drops.numeric("pid"),
    name = drops.strings("process"),
    n = drops.numeric("lost");
  for (const [c, total] of Object.entries(lost)) {
    if (!total) continue;
    const who: string[] = [];
    for (let i = 0; i < drops.length && who.length < 3; i++) {
      if (col[i] === c) who.push(`${name[i] || "?"} (${pid[i]}) ${n[i]!.toLocaleString("en-US")}`);
    }
    const inRings = ringLost[c] ?? 0;
    const fix =
      inRings >= total
        ? "raise --ring-kb (option ringKb: per CPU), or stream fewer events (--pid, -- CMD, --comm, option eventSyscalls)"
        : (inRings > 0
            ? `${inRings.toLocaleString("en-US")} of them in its event rings: raise --ring-kb (option ringKb); for the rest, `
            : "") +
          "raise --map-entries (option mapEntries), trace fewer processes (--pid, -- CMD) or use a shorter --interval";
    out.push(
      `${c} lost ${total.toLocaleString("en-US")} records (its map or ring buffer was full)` +
        (who.length ? `; undercounted: ${who.join(", ")}` : "") +
        `; ${fix}`,
    );
  }
  return out;
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

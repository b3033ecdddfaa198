// Online detection on a replayed capture with anomalies injected at known times (datasets/redis-injected): the
// streaming robust z-score raises alerts within two intervals of the machine-wide incidents (a syscall storm, a
// fork storm), none in the normal stretch before the first incident, and its alerts land in an `alerts` frame.

import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replay } from "../../kernel/capture/replay.js";
import { StreamingZscore } from "../../kernel/online/streaming-zscore.js";
import type { Alert } from "../../kernel/online/alert.js";
import { packageRoot } from "../../kernel/paths.js";

const dataset = join(packageRoot(), "datasets", "redis-injected");
const labels = readFileSync(join(dataset, "labels.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(","))
  .map(([kind, , , start]) => ({ kind: kind!, start: Number(start) }));

describe("online detection on a replay", () => {
  it("alerts within two intervals of the storms, not before the first incident", async () => {
    const seen: Alert[] = [];
    const cap = await replay(dataset, {
      speed: Infinity,
      online: [new StreamingZscore()],
      onAlert: (a) => seen.push(a),
    });
    const I = cap.meta.intervalMs / 1000;
    const first = Math.min(...labels.map((l) => l.start));
    expect(seen.filter((a) => a.t_s <= first)).toEqual([]);
    for (const kind of ["syscall-storm", "fork-storm"]) {
      const start = labels.find((l) => l.kind === kind)!.start;
      const hit = seen.find((a) => a.t_s > start && a.t_s <= start + 2 * I + I);
      expect(hit, `${kind} at ${start} s`).toBeDefined();
      expect(hit!.drivers.length).toBeGreaterThan(0);
    }
    const storm = seen.find((a) => a.entity === "system" && a.drivers[0]!.metric === "forks")!;
    expect(storm.message).toMatch(/forks=/);
    // the alerts frame holds every alert raised, in order
    const f = cap.frame("alerts");
    expect(f.length).toBe(seen.length);
    expect(f.strings("entity")).toEqual(seen.map((a) => a.entity));
  });
});

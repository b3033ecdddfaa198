import { describe, expect, test } from "vitest";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "../../kernel/capture/capture.js";
import { mimeBundleOf } from "../../kernel/plots/display.js";
import { schedFrame, syscallsFrame } from "./fixtures.js";

function meta(over: Partial<CaptureMeta> = {}): CaptureMeta {
  return {
    bpflabVersion: "0.1.0",
    schemaVersion: SCHEMA_VERSION,
    host: "box",
    kernel: "6.1.0-18-amd64",
    wallStartUs: Date.UTC(2026, 10, 26, 11, 0, 0) * 1000,
    monoStartNs: "123",
    durationMs: 10_000,
    elapsedMs: 10_000,
    intervalMs: 1000,
    collectors: ["sched", "syscalls"],
    options: {},
    lost: { sched: 0, syscalls: 0 },
    interrupted: false,
    ...over,
  };
}

describe("show(capture)", () => {
  test("headline, one row per frame, no warnings for a complete capture", () => {
    const c = new Capture(meta(), { sched: schedFrame(), syscalls: syscallsFrame() });
    const b = mimeBundleOf(c);
    const text = b["text/plain"] as string;
    expect(text.split("\n")[0]).toBe(
      "Capture of box (Linux 6.1.0-18-amd64) · started 2026-11-26 11:00:00 UTC · 10.0 s · interval 1000 ms",
    );
    expect(text).not.toContain("warning");
    expect(text).toMatch(/0\s+sched\s+41\s+7\s+0\s+ts, t_s, pid/);
    expect(text).toMatch(/1\s+syscalls\s+4\s+7\s+0\s+t_s, pid, comm/);
    expect(b["text/html"]).toContain('class="bpflab-capture"');
    expect(b["text/html"]).toContain("bpflab-table");
  });

  test("an interrupted capture with lost events says so first", () => {
    const c = new Capture(meta({ interrupted: true, elapsedMs: 4200, lost: { sched: 0, syscalls: 17 } }), {
      sched: schedFrame(),
    });
    const lines = (mimeBundleOf(c)["text/plain"] as string).split("\n");
    expect(lines[1]).toBe("warning: interrupted after 4.2 s of 10.0 s: the data up to then is kept");
    expect(lines[2]).toMatch(/^warning: lost events \(syscalls: 17\)/);
    expect(mimeBundleOf(c)["text/html"]).toContain("⚠ interrupted after 4.2 s");
  });
});

import { describe, expect, test } from "vitest";
import { panel, progressBar } from "../../kernel/plots/panel.js";
import { PLOTLY_MIME } from "../../kernel/plots/figure.js";
import { processTimeline } from "../../kernel/plots/timeline.js";
import { schedFrame } from "./fixtures.js";

describe("panel", () => {
  test("stacks text, a progress bar, a table and a figure into one HTML + text bundle without Plotly JSON", async () => {
    const aq = await import("arquero");
    const fig = processTimeline(schedFrame(), { metric: "oncpu_ns", topN: 2 });
    const b = panel(
      progressBar(0.5, "5.0 of 10 s"),
      "events/s 1,234 <b>",
      schedFrame(),
      aq.table({ a: [1] }),
      fig,
    ).toMimeBundle();
    expect(b[PLOTLY_MIME]).toBeUndefined();
    const html = b["text/html"] as string;
    expect(html.startsWith('<div class="bpflab-panel"')).toBe(true);
    expect(html).toContain("width:50%");
    expect(html).toContain("events/s 1,234 &lt;b&gt;");
    expect(html).toContain("Frame sched: 41 rows × 7 columns");
    expect(html).toContain("Table (arquero): 1 rows × 1 columns");
    expect(html).toContain('class="bpflab-plotly"');
    expect(b["text/plain"]).toBe(
      [
        "[##########..........]  50% 5.0 of 10 s",
        "events/s 1,234 <b>",
        schedFrame().toMimeBundle()["text/plain"],
        "Table (arquero): 1 rows × 1 columns\n   a\n0  1",
        fig.toString(),
      ].join("\n"),
    );
  });

  test("progressBar clamps and rounds", () => {
    expect(progressBar(1.7).text).toBe("[####################] 100%");
    expect(progressBar(-1).text).toBe("[....................]   0%");
    expect(progressBar(Number.NaN).html).toContain("width:0%");
    expect(progressBar(0.333).text).toBe("[#######.............]  33%");
  });
});

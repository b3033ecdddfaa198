// bpflab report: one self-contained page opened in headless Chromium (every figure drawn, no request leaves the
// page), on the shipped capture and on a fresh live one; save() to HTML/PNG/SVG; show() outside a notebook.

import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { browserCheck } from "../../scripts/browser-check.js";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { captureReport } from "../../kernel/report/capture-report.js";
import { processTimeline } from "../../kernel/plots/timeline.js";
import { save } from "../../kernel/plots/save-figure.js";
import { writeOutputFile } from "../../kernel/plots/write-output.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";
import { bpflab, cliArgv, root } from "../cli/run-cli.js";

const redis = join(root, "datasets/redis-injected");
const tmp = () => mkdtempSync(join(tmpdir(), "bpflab-report-"));

async function checkReport(path: string, minFigures: number): Promise<void> {
  const [page] = await browserCheck([path], join(tmp(), "shots"));
  expect(page!.problems).toEqual([]);
  expect(page!.externalRequests).toEqual([]);
  expect(page!.figures.length).toBeGreaterThanOrEqual(minFigures);
  for (const f of page!.figures) expect(f.drawn).toBeGreaterThanOrEqual(f.tracesWithData);
  expect(page!.tables).toBeGreaterThanOrEqual(3);
}

describe("bpflab report", () => {
  it("writes one page that draws every figure offline, with each section", async () => {
    const out = join(tmp(), "redis.html");
    const r = bpflab(["report", redis, "-o", out]);
    expect(r.code, r.err).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const html = readFileSync(out, "utf8");
    expect(html.match(/class="bpflab-plotly-lib"/g)).toHaveLength(1); // plotly.js inlined once
    expect(html).toContain("Content-Security-Policy");
    for (const s of ["Summary", "Timelines", "Top processes", "Latency", "Incidents and their drivers"])
      expect(html).toContain(`<h2>${s}</h2>`);
    // the planted burst of this dataset is among the listed anomalies
    expect(html).toMatch(/rogue-syscalls|cpu-hog/);
    await checkReport(out, 6);
  }, 120_000);

  it("captureReport leaves the anomalies out when asked", async () => {
    const html = captureReport(await loadCapture(redis), { detectors: [] });
    expect(html).not.toContain("<h2>Incidents and their drivers</h2>");
    expect(html).not.toContain("<h2>Flame graphs</h2>");
    expect(html).toContain("<h2>Timelines</h2>");
  });

  liveIt(
    "reports a fresh capture of a known workload",
    async () => {
      const dir = tmp();
      const cap = join(dir, "cap");
      const c = bpflab([
        "capture",
        "-c",
        "sched,syscalls,process,profile",
        "-d",
        "20s",
        "-i",
        "250ms",
        "-o",
        cap,
        "--",
        workloadPath(),
        "burn",
        "2000",
      ]);
      expect(c.code, c.err).toBe(0);
      const out = join(dir, "live.html");
      expect(bpflab(["report", cap, "-o", out]).code).toBe(0);
      const html = readFileSync(out, "utf8");
      expect(html).toContain("workload");
      expect(html).toContain("<h2>Flame graphs</h2>"); // the profile collector's folded stacks
      await checkReport(out, 4);
    },
    120_000,
  );
});

describe("save and show outside a notebook", () => {
  it("saves HTML, PNG and SVG, and says what is missing without Chromium", async () => {
    const fig = processTimeline((await loadCapture(redis)).frame("sched"), { topN: 3 });
    const dir = tmp();
    const html = await save(fig, join(dir, "f.html"));
    expect(readFileSync(html, "utf8")).toContain("Plotly.newPlot");
    const png = readFileSync(await save(fig, join(dir, "f.png")));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const svg = readFileSync(await save(fig, join(dir, "f.svg")), "utf8");
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("python3 (27536)");
    await expect(save(fig, join(dir, "f.jpeg"))).rejects.toThrow(/end the name in .html, .png or .svg/);
    process.env["BPFLAB_CHROMIUM"] = "/nonexistent/chromium";
    try {
      await expect(save(fig, join(dir, "g.png"))).rejects.toThrow(/needs Chromium.*apt-get install chromium/s);
    } finally {
      delete process.env["BPFLAB_CHROMIUM"];
    }
  }, 120_000);

  it("show() of a figure in a script writes a page and prints where", () => {
    const script = join(tmp(), "show.ts");
    writeFileSync(
      script,
      `import { loadCapture, processTimeline, show } from ${JSON.stringify(join(root, "kernel/index.ts"))};\n` +
        `loadCapture(${JSON.stringify(redis)}).then((c) => show(processTimeline(c.frame("sched"))));\n`,
    );
    const out = execFileSync(process.execPath, [...cliArgv.slice(0, 2), script], { encoding: "utf8" });
    const m = /→ (\S+\.html) \(open it in a browser/.exec(out);
    expect(m, out).not.toBeNull();
    expect(readFileSync(m![1]!, "utf8")).toContain("Plotly.newPlot");
    expect(statSync(join(m![1]!, "..")).mode & 0o777).toBe(0o700);
  });

  it("writes over a planted symlink without following it", () => {
    const dir = tmp();
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "keep");
    symlinkSync(victim, join(dir, "report.html"));
    writeOutputFile(join(dir, "report.html"), "<html></html>");
    expect(readFileSync(victim, "utf8")).toBe("keep");
    expect(lstatSync(join(dir, "report.html")).isSymbolicLink()).toBe(false);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
  });
});

describe("flame graphs", () => {
  it("folds stacks into an icicle whose node values sum their samples", async () => {
    const { Frame } = await import("../../kernel/frame/frame.js");
    const { flameGraph } = await import("../../kernel/report/flame-graph.js");
    const stacks = ["main;read", "main;read", "main;parse;lex", "idle"];
    const f = new Frame(
      "stacks",
      [
        { name: "stack", type: "str" },
        { name: "samples", type: "i64" },
      ],
      { stack: { codes: Uint32Array.from([0, 1, 2, 3]), dict: stacks }, samples: Float64Array.from([3, 2, 4, 1]) },
    );
    const t = flameGraph(f).data[0]!;
    const value = Object.fromEntries((t["ids"] as string[]).map((id, i) => [id, (t["values"] as number[])[i]]));
    expect(value).toEqual({ main: 9, "main;read": 5, "main;parse": 4, "main;parse;lex": 4, idle: 1 });
    expect(t["parents"]).toContain("main;parse");
  });
});

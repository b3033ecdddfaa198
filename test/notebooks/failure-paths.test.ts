// The machinery must fail when it should: a cell error fails the run, and the browser check reports a figure
// that did not draw, console errors and network fetches. Real kernel, real Chromium.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { browserCheck } from "../../scripts/browser-check.js";
import { Figure } from "../../kernel/plots/figure.js";
import { pcaScatter } from "../../kernel/plots/detection.js";
import { executeNotebook, failureSummary, notebookSetupProblem } from "./notebook-exec.js";

const dir = mkdtempSync(join(tmpdir(), "bpflab-nbtest-"));

let setupProblem: string | undefined;
beforeAll(async () => {
  setupProblem = await notebookSetupProblem();
  if (setupProblem && process.env["CI"] === "true") throw new Error(`notebooks cannot run: ${setupProblem}`);
});

describe("executeNotebook", () => {
  test("a cell that throws fails the run and the summary names the cell and error", async (ctx) => {
    if (setupProblem) return ctx.skip(setupProblem);
    const nb = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      cells: [
        { cell_type: "code", id: "a", metadata: {}, execution_count: null, outputs: [], source: "const x = 1 + 1;" },
        { cell_type: "code", id: "b", metadata: {}, execution_count: null, outputs: [], source: 'throw new Error("planted failure " + x);' },
        { cell_type: "code", id: "c", metadata: {}, execution_count: null, outputs: [], source: 'console.log("not reached");' },
      ],
    };
    const path = join(dir, "failing.ipynb");
    writeFileSync(path, JSON.stringify(nb));
    const r = await executeNotebook(path, { outDir: join(dir, "out"), timeoutS: 120 });
    expect(r.ok).toBe(false);
    const summary = failureSummary(r.log);
    expect(summary).toContain('throw new Error("planted failure " + x);');
    expect(summary).toMatch(/cell 1 stderr \(from failing\.failed\.ipynb\):\n[\s\S]*Error: planted failure 2/);
  }, 300_000);
});

describe("browserCheck", () => {
  const fig = new Figure({
    data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2], name: "a" }, { type: "bar", x: [1, 2, 3], y: [1, 2, 1], name: "b" }],
    layout: { title: { text: "two traces" }, width: 500, height: 300 },
  });

  test("standalone figures (SVG and WebGL) draw every trace with a clean console", async () => {
    const page = join(dir, "good.html");
    // 6000 points switch the PCA scatter to scattergl, which draws into a canvas instead of SVG groups.
    const n = 6000;
    const gl = pcaScatter({ x: Array.from({ length: n }, (_, i) => Math.sin(i)), y: Array.from({ length: n }, (_, i) => Math.cos(1.3 * i)),
      score: Array.from({ length: n }, (_, i) => i / n) });
    expect(gl.data[0]!["type"]).toBe("scattergl");
    writeFileSync(page, fig.toStandaloneHtml().replace("</body>", `${gl.toMimeBundle()["text/html"]}\n</body>`));
    const [r] = await browserCheck([page], join(dir, "shots"));
    expect(r!.problems).toEqual([]);
    expect(r!.figures).toEqual([
      expect.objectContaining({ title: "two traces", traces: 2, tracesWithData: 2, hasMainSvg: true }),
      expect.objectContaining({ title: "PCA projection coloured by anomaly score", traces: 1, drawn: 1, hasMainSvg: true }),
    ]);
    expect(r!.figures[0]!.drawn).toBeGreaterThanOrEqual(2);
  }, 120_000);

  test("a figure without plotly.js, a console error and a network fetch are all reported", async () => {
    const page = join(dir, "bad.html");
    const html = fig.toMimeBundle()["text/html"] as string; // no library: as if its output had been cleared
    writeFileSync(page, `<!DOCTYPE html><html><body>${html}` +
      `<script>console.error("planted error")</script><script src="http://example.invalid/x.js"></script></body></html>`);
    const [r] = await browserCheck([page], join(dir, "shots"), { drawTimeoutMs: 2000 });
    expect(r!.figures[0]!.hasMainSvg).toBe(false);
    expect(r!.consoleErrors).toContain("planted error");
    expect(r!.externalRequests).toEqual(["http://example.invalid/x.js"]);
    expect(r!.problems).toEqual(expect.arrayContaining([
      "not every Plotly figure drew within 2 s",
      'figure "bpflab-fig-' + /bpflab-fig-([0-9a-f]+)/.exec(html)![1] + '" has no .main-svg (plotly.js did not draw it)',
      "page tried to fetch http://example.invalid/x.js (must work offline)",
    ]));
  }, 120_000);
});

import { describe, expect, test } from "vitest";
import { Figure, PLOTLY_MIME } from "../../kernel/plots/figure.js";
import { inNotebook, LiveDisplay, mimeBundleOf, show } from "../../kernel/plots/display.js";
import { plotlyLibraryHtml, plotlyVersion, scriptJson } from "../../kernel/plots/plotly-html.js";
import { processTimeline } from "../../kernel/plots/timeline.js";
import { schedFrame } from "./fixtures.js";
import { OptionError } from "../../kernel/errors.js";

type Rec = Record<string, unknown>;

/** Runs `fn` with process[stream].write captured; returns what was written. */
function captureStream(stream: "stdout" | "stderr", fn: () => void): string {
  const s = process[stream];
  const orig = s.write;
  let out = "";
  s.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof s.write;
  try {
    fn();
  } finally {
    s.write = orig;
  }
  return out;
}

describe("Figure.toMimeBundle", () => {
  const fig = processTimeline(schedFrame(), { metric: "oncpu_ns" });

  test("carries the Plotly JSON, an HTML fallback and a text summary", () => {
    const b = fig.toMimeBundle();
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"].sort());
    const spec = b[PLOTLY_MIME] as { data: unknown[]; layout: Rec; config: Rec };
    expect(spec.data).toHaveLength(4);
    expect((spec.layout["title"] as Rec)["text"]).toBe(fig.title);
    expect(spec.config.displaylogo).toBe(false);
    expect(b["text/plain"]).toBe(`Figure "${fig.title}": 4 traces (4 scatter)`);
    const html = b["text/html"] as string;
    const id = /<div id="(bpflab-fig-[0-9a-f]{12})"/.exec(html)?.[1];
    expect(id).toBeDefined();
    expect(html).toContain(`(${JSON.stringify(id)}, {`);
    expect(html).toContain("bpflab-plotly-placeholder");
    expect(html).toContain("__bpflabPlotlyQueue");
    // Without includePlotlyJs the fallback is small: plotly.js comes once per session from show().
    expect(html.length).toBeLessThan(20_000);
    expect(html).not.toContain("window.Plotly = Plotly");
  });

  test("includePlotlyJs inlines plotly.js from the installed package, once", () => {
    const html = fig.toMimeBundle({ includePlotlyJs: true })["text/html"] as string;
    expect(html.length).toBeGreaterThan(3_000_000);
    expect(html).toContain(`plotly.js ${plotlyVersion()}`);
    expect(html.split("window.Plotly = Plotly").length).toBe(2);
    expect(html.indexOf("bpflab-plotly-lib")).toBeLessThan(html.indexOf("bpflab-fig-"));
    // No early end of the <script> element anywhere but the real closing tags.
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(plotlyLibraryHtml().match(/<\/script>/gi)).toHaveLength(1);
  });

  test("titles with markup cannot end the script or inject HTML", () => {
    const evil = new Figure({ data: [{ type: "bar", x: [1], y: [2] }], layout: { title: { text: "</script><b>x" } } });
    const html = evil.toMimeBundle()["text/html"] as string;
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain("“&lt;/script&gt;&lt;b&gt;x”");
    expect(scriptJson("a</script>\u2028")).toBe('"a\\u003c/script>\\u2028"');
  });

  test("withLayout merges one level deep and keeps the data", () => {
    const g = fig.withLayout({ height: 300, yaxis: { type: "log" } });
    expect(g.layout["height"]).toBe(300);
    expect((g.layout["yaxis"] as Rec)["type"]).toBe("log");
    expect(((g.layout["yaxis"] as Rec)["title"] as Rec)["text"]).toBe("on-CPU (% of one CPU)");
    expect(g.data).toBe(fig.data);
  });

  test("a standalone page holds the library and the figure", () => {
    const page = fig.toStandaloneHtml();
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page).toContain("bpflab-plotly-lib");
  });
});

describe("mimeBundleOf", () => {
  test("a Frame becomes an HTML table with shape, dtypes, units, head and tail", () => {
    const f = schedFrame();
    const b = mimeBundleOf(f, { head: 3, tail: 2 });
    const html = b["text/html"] as string;
    expect(html).toContain("Frame sched: 41 rows × 7 columns");
    expect(html).toContain('oncpu_ns<br><span style="font-weight:normal;opacity:0.65">i64 · ns</span>');
    expect((html.match(/<tr>/g) ?? []).length).toBe(1 + 3 + 1 + 2); // header, head, gap, tail
    expect(html).toContain("2023-11-14 22:13:20.000"); // ts of row 0 (1.7e15 µs)
    const text = b["text/plain"] as string;
    expect(text.split("\n")[0]).toBe("Frame sched: 41 rows × 7 columns");
    expect(text).toMatch(/0\s+2023-11-14 22:13:20.000\s+0\s+100\s+100\s+busy\s+300000000\s+2000000/);
  });

  test("an arquero table becomes a table too", async () => {
    const aq = await import("arquero");
    const t = aq.table({ comm: ["a", "b<i>"], cpu_pct: [1.5, 2.25] });
    const html = mimeBundleOf(t)["text/html"] as string;
    expect(html).toContain("Table (arquero): 2 rows × 2 columns");
    expect(html).toContain("b&lt;i&gt;");
    expect(html).toContain(">2.25</td>");
  });

  test("a Danfo DataFrame becomes a table too", async () => {
    const dfd = await import("danfojs-node");
    const df = new dfd.DataFrame({ pid: [1, 2, 3], score: [0.5, 0.25, 0.125] });
    const b = mimeBundleOf(df);
    expect(b["text/html"]).toContain("DataFrame (danfo): 3 rows × 2 columns");
    expect(b["text/html"]).toContain("float32");
    expect(b["text/plain"]).toMatch(/2\s+3\s+0\.125/);
  });

  test("plain values fall back to text/plain", () => {
    expect(mimeBundleOf({ a: 1 })).toEqual({ "text/plain": "{ a: 1 }" });
    expect(mimeBundleOf("hello")).toEqual({ "text/plain": "hello" });
  });
});

describe("show and LiveDisplay outside a notebook", () => {
  test("show refuses a Promise with a hint to await it", () => {
    expect(() => show(Promise.resolve(1))).toThrow(OptionError);
    expect(() => show(Promise.resolve(1))).toThrow(/hint: await it first/);
  });

  test("show prints the text form to stdout", () => {
    expect(inNotebook()).toBe(false);
    const out = captureStream("stdout", () => show(schedFrame(), { head: 1, tail: 0 }));
    expect(out.split("\n")[0]).toBe("Frame sched: 41 rows × 7 columns");
  });

  test("LiveDisplay writes one stderr line per change and nothing after close", () => {
    const view = new LiveDisplay();
    expect(view.inNotebook).toBe(false);
    expect(view.displayId).toMatch(/^bpflab-live-[0-9a-f]{16}$/);
    const err = captureStream("stderr", () => {
      view.update("elapsed 1 s\nevents 10/s");
      view.update("elapsed 1 s\nevents 10/s");
      view.update("elapsed 2 s\nevents 12/s");
      view.close();
      view.update("elapsed 3 s");
    });
    expect(err).toBe("elapsed 1 s | events 10/s\nelapsed 2 s | events 12/s\n");
    const silent = new LiveDisplay({ fallback: "none" });
    expect(captureStream("stderr", () => silent.update("x"))).toBe("");
  });
});

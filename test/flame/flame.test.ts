// Folded stacks and flame graphs without the kernel: folding a profile frame (filters, process roots), the
// folded text round trip (also through `bpflab flamegraph`), trees and differential shares, and the HTML and
// SVG outputs opened in headless Chromium with the network cut off.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { Capture, SCHEMA_VERSION } from "../../kernel/capture/capture.js";
import { saveCapture } from "../../kernel/capture/capture-files.js";
import { profile } from "../../kernel/collectors/profile.js";
import { flameSvg } from "../../kernel/flame/flame-svg.js";
import { flameDiff, flameTree } from "../../kernel/flame/flame-tree.js";
import { foldStacks, formatFolded, parseFolded, totalWeight } from "../../kernel/flame/folded.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { diffFlameGraph, flameGraph } from "../../kernel/plots/flame-graph.js";
import { browserCheck, CHROMIUM } from "../../scripts/browser-check.js";
import { bpflab } from "../cli/run-cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "bpflab-flame-"));

/** A profile frame: pid 10 ("app") spends 75 % in spin_a in seconds 0–2 and 75 % in spin_b in 2–4. */
function profileFrame(): Frame {
  const b = new FrameBuilder(profile.schema);
  const add = (t: number, pid: number, name: string, stack: string, samples: number) => {
    const r = b.beginRow();
    const col = (n: string) => b.index(n);
    b.setNum(col("ts"), r, 1.7e15 + t * 1e6);
    b.setNum(col("t_s"), r, t);
    b.setNum(col("pid"), r, pid);
    b.setNum(col("tid"), r, pid);
    b.setStr(col("comm"), r, name);
    b.setStr(col("process"), r, name);
    b.setBig(col("cgroup_id"), r, 1n);
    b.setStr(col("stack"), r, stack);
    b.setNum(col("kernel_frames"), r, stack.split(";").filter((f) => f.endsWith("_[k]")).length);
    b.setNum(col("user_frames"), r, stack.split(";").filter((f) => !f.endsWith("_[k]")).length);
    b.setNum(col("samples"), r, samples);
    for (const c of ["cgroup", "container", "unit"]) b.setStr(col(c), r, "");
  };
  for (const t of [0, 1]) {
    add(t, 10, "app", "_start;main;spin_a", 75);
    add(t, 10, "app", "_start;main;spin_b", 25);
    add(t, 20, "other", "_start;main;read;ksys_read_[k]", 10);
  }
  for (const t of [2, 3]) {
    add(t, 10, "app", "_start;main;spin_a", 25);
    add(t, 10, "app", "_start;main;spin_b", 75);
  }
  return b.finish("profile");
}

describe("folded stacks", () => {
  const f = profileFrame();

  it("folds a frame by process, time range and pid, with the process as root frame", () => {
    const all = foldStacks(f);
    expect(all.get("app;_start;main;spin_a")).toBe(200);
    expect(all.get("other;_start;main;read;ksys_read_[k]")).toBe(20);
    const early = foldStacks(f, { pid: 10, to: 2, groupBy: "none" });
    expect([...early]).toEqual([
      ["_start;main;spin_a", 150],
      ["_start;main;spin_b", 50],
    ]);
    expect(foldStacks(f, { pid: 10, from: 2, groupBy: "pid" }).get("app-10;_start;main;spin_b")).toBe(150);
  });

  it("round-trips through the folded text format", () => {
    const folded = foldStacks(f);
    const text = formatFolded(folded);
    expect(text.split("\n")[0]).toBe("app;_start;main;spin_a 200"); // heaviest first
    expect(parseFolded(text)).toEqual(folded);
    expect(() => parseFolded("main;x\n")).toThrow(/line 1: no weight/);
  });

  it("builds the tree with totals and self weights, and ranks what changed between two ranges", () => {
    const t = flameTree(foldStacks(f, { pid: 10, groupBy: "none" }));
    const node = Object.fromEntries(t.nodes.map((n) => [n.id, n]));
    expect(t.total).toBe(400);
    expect(node["_start;main"]!.total).toBe(400);
    expect(node["_start;main"]!.self).toBe(0);
    expect(node["_start;main;spin_a"]!.self).toBe(200);
    const diff = flameDiff(foldStacks(f, { from: 2, groupBy: "none" }), foldStacks(f, { to: 2, groupBy: "none" }));
    const spinB = diff.find((d) => d.frame === "spin_b")!;
    expect(spinB.afterShare).toBeCloseTo(0.75);
    expect(spinB.beforeShare).toBeCloseTo(50 / 220);
    expect(diff[0]!.frame).toMatch(/spin_[ab]/);
  });

  it("drops frames narrower than minShare, keeping their weight in their callers", () => {
    const t = flameTree(
      new Map([
        ["a;b", 999],
        ["a;c", 1],
      ]),
      { minShare: 0.01 },
    );
    expect(t.nodes.map((n) => n.id)).toEqual(["a", "a;b"]);
    expect(t.nodes[0]!.total).toBe(1000);
    expect(t.dropped).toBe(1);
  });
});

describe("flame graph figures", () => {
  const f = profileFrame();

  it("is a flipped icicle (root at the bottom) whose search reports the matched share", () => {
    const fig = flameGraph(f, { pid: 10, search: /^spin_a$/ });
    const tr = fig.data[0]!;
    expect(tr["type"]).toBe("icicle");
    expect(tr["tiling"]).toEqual({ orientation: "v", flip: "y" });
    expect(fig.matched).toBeCloseTo(0.5); // 200 of 400 samples
    expect(fig.title).toContain("50.0 %");
    const i = (tr["ids"] as string[]).indexOf("app;_start;main;spin_a");
    expect((tr["marker"] as { colors: string[] }).colors[i]).toBe("rgb(230,0,230)");
    expect(flameGraph(f, { orientation: "icicle" }).data[0]!["tiling"]).toEqual({ orientation: "v" });
  });

  it("colours a differential graph red where the share grew and blue where it shrank", () => {
    const fig = diffFlameGraph(foldStacks(f, { to: 2, pid: 10 }), foldStacks(f, { from: 2, pid: 10 }));
    const tr = fig.data[0]!;
    const ids = tr["ids"] as string[];
    const colors = (tr["marker"] as { colors: string[] }).colors;
    const rgb = (id: string) => colors[ids.indexOf(id)]!.match(/\d+/g)!.map(Number);
    const [ra, , ba] = rgb("app;_start;main;spin_a");
    const [rb, , bb] = rgb("app;_start;main;spin_b");
    expect(bb).toBeLessThan(rb!); // spin_b grew: red
    expect(ra).toBeLessThan(ba!); // spin_a shrank: blue
    expect((tr["customdata"] as string[][])[ids.indexOf("app;_start;main;spin_b")]![2]).toBe("25.0 % → 75.0 %");
  });

  it("renders in headless Chromium with no network request, and its search box finds frames", async () => {
    const dir = tmp();
    const page = join(dir, "flame.html");
    writeFileSync(page, flameGraph(f).toStandaloneHtml());
    const [check] = await browserCheck([page], join(dir, "shots"));
    expect(check!.problems).toEqual([]);
    expect(check!.externalRequests).toEqual([]);
    expect(check!.figures).toHaveLength(1);
    // the search box: type a regular expression, read the matched share
    const ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      const p = await ctx.newPage();
      const requests: string[] = [];
      await p.route("**/*", (r) =>
        /^file:/.test(r.request().url()) ? r.continue() : (requests.push(r.request().url()), r.abort()),
      );
      await p.goto(`file://${page}`);
      await p.waitForSelector(".main-svg");
      await p.fill("input[type=search]", "^spin_b$");
      await expect.poll(() => p.textContent(".bpflab-flame-search span[id$='-m']")).toBe("matched: 47.6 %"); // 200 of 420
      expect(requests).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it("writes an SVG whose frames, tooltips, zoom and search work in a browser", async () => {
    const dir = tmp();
    const path = join(dir, "flame.svg");
    const tree = flameTree(foldStacks(f));
    writeFileSync(path, flameSvg(tree, { title: "test" }));
    const svg = readFileSync(path, "utf8");
    expect(svg.match(/<g class="f"/g)).toHaveLength(tree.nodes.length);
    expect(svg).toContain("<title>spin_a (200 samples, 47.62 %; self 200 samples)</title>");
    const ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      const p = await ctx.newPage();
      const errors: string[] = [];
      p.on("pageerror", (e) => errors.push(e.message));
      await p.goto(`file://${path}`);
      await p.evaluate("search('^spin_a$')");
      expect(await p.textContent("#matched")).toBe("Matched: 47.6 %");
      // zoom into main of app: spin_a widens to its share of main (50 %)
      await p.click('g.f[data-id="app;_start;main"] rect');
      const w = await p.getAttribute('g.f[data-id="app;_start;main;spin_a"] rect', "width");
      expect(Number(w)).toBeCloseTo(0.5 * (1200 - 20), 0);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);
});

describe("bpflab flamegraph", () => {
  const dir = tmp();
  const capDir = join(dir, "cap");
  const ready = saveCapture(
    new Capture(
      {
        bpflabVersion: "test",
        schemaVersion: SCHEMA_VERSION,
        host: "testhost",
        kernel: "6.0",
        wallStartUs: 1.7e15,
        monoStartNs: "0",
        durationMs: 4000,
        elapsedMs: 4000,
        intervalMs: 1000,
        collectors: ["profile"],
        options: { profile: { frequency: 99 } },
        lost: { profile: 0 },
        interrupted: false,
      },
      { profile: profileFrame() },
    ),
    capDir,
  );

  it("writes folded text that round-trips to the capture's stacks for the pid and range asked", async () => {
    await ready;
    const out = join(dir, "early.folded");
    const r = bpflab(["flamegraph", capDir, "--pid", "10", "--to", "2", "-o", out]);
    expect(r.code, r.err).toBe(0);
    const back = parseFolded(readFileSync(out, "utf8"));
    expect(back).toEqual(
      new Map([
        ["app;_start;main;spin_a", 150],
        ["app;_start;main;spin_b", 50],
      ]),
    );
    expect(totalWeight(back)).toBe(200);
  });

  it("writes HTML and SVG, plain and differential; a capture without stacks is a one-line error", async () => {
    await ready;
    for (const [name, extra] of [
      ["cpu.html", []],
      ["cpu.svg", ["--icicle"]],
      ["diff.html", ["--base-to", "2", "--from", "2"]],
      ["diff.svg", ["--base", capDir, "--base-to", "2", "--from", "2"]],
    ] as const) {
      const r = bpflab(["flamegraph", capDir, ...extra, "-o", join(dir, name)]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/wrote .*: \d+ stacks of profile/);
    }
    expect(readFileSync(join(dir, "diff.html"), "utf8")).toContain("Differential flame graph");
    const bad = bpflab(["flamegraph", capDir, "--pid", "999", "-o", join(dir, "none.html")]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no stacks in profile for these filters/);
    expect(bpflab(["flamegraph", capDir, "-o", join(dir, "x.png")]).err).toMatch(
      /end the name in .html, .svg or .folded/,
    );
  });
});

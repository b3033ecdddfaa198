// The runner itself: a seed reproduces the injection, labels survive Parquet, Ctrl-C (an abort, or SIGINT to
// the CLI) keeps the capture so far, and nothing is left behind: no process, no BPF object, no scratch file.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { openObjectCount } from "../../kernel/loader/bpf-object.js";
import { scenarioLabels } from "../../kernel/scenarios/labels.js";
import { planScenario } from "../../kernel/scenarios/plan.js";
import { runScenario, scenarioOf } from "../../kernel/scenarios/run-scenario.js";
import { liveIt, resources, settledResources } from "../helpers/live.js";
import { leftovers, scratchDirs, SHORT, total } from "./helpers.js";
import { signalSeries } from "../../kernel/scenarios/signal-series.js";

const root = join(__dirname, "../..");
const cli = join(root, "kernel/cli/main.ts");
const out = mkdtempSync(join(tmpdir(), "bpflab-scenario-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function bpflab(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("scenario runner", () => {
  liveIt(
    "reproduces a seed: same injection time, same parameters, same exact counts; labels survive Parquet",
    async () => {
      const seed = 5;
      const plan = planScenario("syscall-storm", { seed, duration: SHORT });
      const dirsBefore = scratchDirs();
      const before = resources();
      const runs = [];
      for (const i of [0, 1]) {
        const cap = await runScenario("syscall-storm", { seed, duration: SHORT, out: join(out, `repro-${i}`) });
        runs.push(cap);
        expect(scenarioOf(cap)!.plan).toEqual(plan);
      }
      const [a, b] = runs.map((c) => scenarioLabels(c)[0]!);
      for (const l of [a!, b!]) {
        expect(Math.abs(l.start_s - plan.injectAtS!)).toBeLessThan(0.25);
        // its calls are paced over the planned length; a starved storm can take longer, never less
        expect(l.end_s - l.start_s).toBeGreaterThan(plan.lengthS! - 0.05);
        expect(l.magnitude).toBe(plan.injection!.args.calls);
      }
      expect(a!.signal).toBe(b!.signal);
      expect(a!.description).toBe(b!.description);

      // labels.parquet beside the collectors' files, loaded back with the capture and its plan
      const back = await loadCapture(join(out, "repro-0"));
      expect(readdirSync(join(out, "repro-0")).sort()).toEqual(
        Object.keys(runs[0]!.frames)
          .map((f) => `${f}.parquet`)
          .sort(),
      );
      expect(Object.keys(back.frames)).toContain("labels");
      expect(scenarioLabels(back)).toEqual(scenarioLabels(runs[0]!));
      expect(scenarioOf(back)!.plan).toEqual(plan);
      expect(total(signalSeries(back, a!.pid, a!.signal).value)).toBe(a!.magnitude);

      // and nothing outlives the runs
      expect(leftovers()).toEqual([]);
      expect(scratchDirs()).toEqual(dirsBefore);
      expect(resources().bpfFds).toEqual([]);
      expect(openObjectCount()).toBe(0);
      expect(await settledResources(before)).toEqual(before);
    },
  );

  liveIt("an abort ends it early: the capture so far, marked interrupted, labelled up to then", async () => {
    const ac = new AbortController();
    const plan = planScenario("cpu-hog", { seed: 2, duration: "14s", warmup: "3s" });
    const cap = await runScenario("cpu-hog", {
      seed: 2,
      duration: "14s",
      warmup: "3s",
      signal: ac.signal,
      // two seconds into the anomaly (which lasts longer than that)
      onInterval: (p) => p.elapsedMs > (plan.injectAtS! + 2) * 1000 && ac.abort(),
    });
    expect(plan.lengthS!).toBeGreaterThan(4);
    expect(cap.meta.interrupted).toBe(true);
    expect(cap.meta.elapsedMs).toBeLessThan((plan.injectAtS! + 4) * 1000);
    const [l] = scenarioLabels(cap);
    expect(l!.start_s).toBeCloseTo(plan.injectAtS!, 0);
    expect(l!.end_s).toBeCloseTo(cap.meta.elapsedMs / 1000, 1); // cut short: it ends where the capture did
    expect(leftovers()).toEqual([]);
  });

  liveIt("Ctrl-C in the CLI stops every process and saves the capture so far", async () => {
    const dir = join(out, "sigint");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cli, "scenario", "run", "blocked", "--seed", "4", "--out", dir],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    // interrupt once the capture runs (the CLI says so on stderr), a little after the warm-up began
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (err.includes("Ctrl-C stops early")) {
          clearInterval(timer);
          setTimeout(() => {
            child.kill("SIGINT");
            resolve();
          }, 4000);
        }
      }, 50);
    });
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(0);
    const cap = await loadCapture(dir);
    expect(cap.meta.interrupted).toBe(true);
    expect(cap.frame("labels").length).toBe(0); // interrupted before the injection (15 s warm-up)
    expect(leftovers()).toEqual([]);
  });

  it("lists the scenarios and prints a seed's plan without root", () => {
    const l = bpflab(["scenario", "list"]);
    expect(l.code).toBe(0);
    for (const s of ["cpu-hog", "blocked", "redis-aof-stall", "baseline", "sched:oncpu_ns down"])
      expect(l.out).toContain(s);
    const j = JSON.parse(bpflab(["scenario", "list", "--json"]).out) as { name: string }[];
    expect(j.length).toBeGreaterThanOrEqual(13);
    const p = bpflab(["scenario", "run", "fork-storm", "--seed", "8", "--plan"]);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out)).toEqual(planScenario("fork-storm", { seed: 8 }));
  });

  it("explains a bad scenario name, seed or missing --out in one line with a hint", () => {
    const bad = bpflab(["scenario", "run", "cpuhog", "--out", "/tmp/x"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown scenario "cpuhog"');
    expect(bad.err).toContain("hint: scenarios: cpu-hog,");
    expect(bad.err).not.toContain("    at "); // no stack trace
    expect(bpflab(["scenario", "run", "cpu-hog", "--seed", "x", "--out", "/tmp/x"]).err).toContain("bad --seed");
    expect(bpflab(["scenario", "run", "cpu-hog"]).err).toContain("no --out DIR given");
  });
});

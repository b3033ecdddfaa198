// `bpflab scenario list|run`: the labelled scenarios (kernel/scenarios): a baseline load, one injected anomaly
// at a seeded time, a capture of the whole machine with the ground truth in labels.parquet.

import { OptionError } from "../errors.js";
import { listScenarios, planScenario, scenarioNames } from "../scenarios/plan.js";
import { runScenario } from "../scenarios/run-scenario.js";
import { scenarioLabels } from "../scenarios/labels.js";
import { summarize, textTable } from "../report/summary.js";
import { defineCommand, Invocation } from "./command.js";

export const scenarioCommand = defineCommand({
  name: "scenario",
  summary: "labelled scenarios: a baseline load plus one injected anomaly (list, run)",
  description:
    "scenario list: the scenarios, what each injects and the signal it moves. scenario run NAME: start the " +
    "seed's baseline load (a batch job, a loopback service and its client, a logger, a metrics agent, idle " +
    "daemons, a queue worker, a pinned worker, redis-server and its client), capture the whole machine, inject the " +
    "anomaly at the seed's time, and save the capture with labels.parquet (the ground truth). Every process it " +
    "starts is gone when it returns. Needs root to run (list and --plan do not).",
  args: [
    { name: "action", description: "list or run", required: true },
    { name: "name", description: "the scenario to run (see scenario list)" },
  ],
  json: true,
  options: [
    {
      flags: "-s, --seed <S>",
      description: "integer 0-4294967295: the baseline, injection time, every parameter",
      defaultText: "1",
    },
    { flags: "-d, --duration <D>", description: "capture length (at least 6s)", defaultText: "40s" },
    {
      flags: "-w, --warmup <W>",
      description: "normal load before the earliest injection",
      defaultText: "15s (35 % under 30s)",
    },
    { flags: "-i, --interval <I>", description: "the collectors' interval", defaultText: "1s" },
    { flags: "-o, --out <DIR>", description: "where to write <collector>.parquet and labels.parquet" },
    {
      flags: "--scope <SCOPE>",
      description: "machine: every process; scenario: only the scenario's and the kernel's",
      choices: ["machine", "scenario"],
      defaultText: "machine",
    },
    { flags: "--force", description: "replace the capture already in --out (never other files)" },
    { flags: "--plan", description: "print the plan the seed makes (JSON) and exit, running nothing" },
  ],
  examples: [
    ["bpflab scenario list", "the scenarios and the signals they move"],
    [
      "sudo bpflab scenario run cpu-hog --seed 3 --out /tmp/cpu-hog-3",
      "40 s capture, a CPU hog injected at a seeded time",
    ],
    ["sudo bpflab scenario run baseline --seed 3 -d 60s -o /tmp/normal-3", "the same baseline, nothing injected"],
    ["bpflab scenario run redis-aof-stall --seed 7 --plan", "what seed 7 would do, without running it"],
    ["bpflab detect /tmp/cpu-hog-3", "then look for it"],
  ],
  notes: "Ctrl-C ends a scenario early: every process it started is stopped and the capture so far is saved.",
  run: (inv) => {
    const action = inv.args[0];
    if (action === "list") return list(inv);
    if (action === "run") return run(inv);
    throw new OptionError(
      `unknown scenario action "${action}"`,
      "use `bpflab scenario list` or `bpflab scenario run NAME`",
    );
  },
});

function list(inv: Invocation): number {
  const all = listScenarios();
  if (inv.json) {
    process.stdout.write(JSON.stringify(all, null, 2) + "\n");
    return 0;
  }
  const rows = all.map((s) => [
    s.name,
    s.lengthS[1] ? `${s.lengthS[0]}-${s.lengthS[1]} s` : "",
    s.summary,
    s.signals.join(", "),
  ]);
  process.stdout.write(textTable(["scenario", "length", "injects", "signal of the anomalous process"], rows) + "\n");
  return 0;
}

async function run(inv: Invocation): Promise<number> {
  const name = inv.args[1];
  if (name === undefined || inv.args.length > 2) {
    throw new OptionError("scenario run takes one scenario name", `scenarios: ${scenarioNames().join(", ")}`);
  }
  const seed = inv.int("seed", { min: 0, max: 0xffffffff }, 1)!;
  const duration = inv.string("duration");
  const warmup = inv.string("warmup");
  const interval = inv.string("interval");
  const out = inv.string("out");
  const opts = { seed, ...(duration !== undefined ? { duration } : {}), ...(warmup !== undefined ? { warmup } : {}) };
  const plan = planScenario(name, opts);
  if (inv.flag("plan")) {
    process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    return 0;
  }
  if (!out) throw new OptionError("no --out DIR given", "name a folder for the capture, e.g. --out /tmp/scenario");
  process.stderr.write(
    `scenario ${name}, seed ${seed}: ${plan.durationS} s capture of this machine under a baseline load; ` +
      (plan.injection ? `at t = ${plan.injectAtS} s ${plan.injection.description}` : "nothing injected") +
      "... (Ctrl-C stops early and keeps the data)\n",
  );
  const cap = await runScenario(name, {
    ...opts,
    out,
    force: inv.flag("force"),
    scope: inv.choice("scope", ["machine", "scenario"] as const) ?? "machine",
    ...(interval !== undefined ? { interval } : {}),
  });
  const labels = scenarioLabels(cap);
  if (inv.json) {
    process.stdout.write(JSON.stringify({ scenario: name, seed, out, labels }, null, 2) + "\n");
    return 0;
  }
  const rows = labels.map((l) => [
    l.role,
    l.pid,
    l.comm,
    l.start_s.toFixed(2),
    l.end_s.toFixed(2),
    `${l.signal} ${l.direction}`,
    `${l.magnitude} ${l.magnitude_unit}`,
  ]);
  process.stdout.write(
    summarize(cap) +
      "\n\nlabels\n" +
      (rows.length
        ? textTable(["role", "pid", "comm", "start_s", "end_s", "signal", "injected"], rows)
        : "(none: nothing injected)") +
      `\n\nwrote ${out}\n`,
  );
  return 0;
}

// `bpflab scenario list|run`: the labelled scenarios (kernel/scenarios): a baseline load, one injected anomaly
// at a seeded time, a capture of the whole machine with the ground truth in labels.parquet.

import { parseArgs } from "node:util";
import { OptionError } from "../errors.js";
import { setVerbose } from "../log.js";
import { listScenarios, planScenario, scenarioNames } from "../scenarios/plan.js";
import { runScenario } from "../scenarios/run-scenario.js";
import { scenarioLabels } from "../scenarios/labels.js";
import { summarize, textTable } from "./summary.js";

export const SCENARIO_HELP = `bpflab scenario: labelled captures of this machine with one anomaly injected

USAGE
  bpflab scenario list [--json]              the scenarios, what each injects and the signal it moves
  bpflab scenario run NAME --out DIR [--seed S] [--duration D] [--warmup W] [--interval I] [--json]
                                             run one (root): baseline load, capture, injection, labels.parquet

OPTIONS
  -s, --seed S         integer 0-4294967295 (default 1): decides the baseline, the injection time, every parameter
  -d, --duration D     capture length (default 40s, at least 6s)
  -w, --warmup W       normal load before the earliest injection (default 15s; 35 % of a capture under 30s)
  -i, --interval I     collectors' interval (default 1s)
  -o, --out DIR        where to write <collector>.parquet and labels.parquet
      --plan           print the plan the seed makes (JSON) and exit, without running anything
      --json           print the labels as JSON instead of the summary

EXAMPLES
  bpflab scenario list
  sudo bpflab scenario run cpu-hog --seed 3 --out /tmp/cpu-hog-3
  sudo bpflab scenario run baseline --seed 3 --duration 60s --out /tmp/normal-3   # nothing injected
  bpflab scenario run redis-aof-stall --seed 7 --plan
  bpflab detect /tmp/cpu-hog-3

Ctrl-C ends a scenario early: every process it started is stopped and the capture so far is saved.`;

export async function cmdScenario(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "list") return list(rest);
  if (sub === "run") return run(rest);
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(SCENARIO_HELP + "\n");
    return sub === undefined ? 2 : 0;
  }
  throw new OptionError(
    `unknown scenario command "${sub}"`,
    "use `bpflab scenario list` or `bpflab scenario run NAME`",
  );
}

function list(args: string[]): number {
  const { values } = parseArgs({ args, options: { json: { type: "boolean" } } });
  const all = listScenarios();
  if (values.json) {
    process.stdout.write(JSON.stringify(all, null, 2) + "\n");
    return 0;
  }
  const rows = all.map((s) => [
    s.name,
    s.lengthS[1] ? `${s.lengthS[0]}-${s.lengthS[1]} s` : "",
    s.summary,
    s.signals.join(", "),
  ]);
  process.stdout.write(textTable(["scenario", "length", "injects", "signals (anomaly, cause)"], rows) + "\n");
  return 0;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seed: { type: "string", short: "s" },
      duration: { type: "string", short: "d" },
      warmup: { type: "string", short: "w" },
      interval: { type: "string", short: "i" },
      out: { type: "string", short: "o" },
      plan: { type: "boolean" },
      json: { type: "boolean" },
      verbose: { type: "boolean", short: "v" },
    },
  });
  if (values.verbose) setVerbose(true);
  if (positionals.length !== 1) {
    throw new OptionError("scenario run takes one scenario name", `scenarios: ${scenarioNames().join(", ")}`);
  }
  const name = positionals[0]!;
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (values.seed !== undefined && !/^\d+$/.test(values.seed)) {
    throw new OptionError(`bad --seed: ${values.seed}`, "a seed is an integer from 0 to 4294967295");
  }
  const opts = {
    seed,
    ...(values.duration !== undefined ? { duration: values.duration } : {}),
    ...(values.warmup !== undefined ? { warmup: values.warmup } : {}),
  };
  const plan = planScenario(name, opts);
  if (values.plan) {
    process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    return 0;
  }
  if (!values.out) {
    throw new OptionError("no --out DIR given", "name a folder for the capture, e.g. --out /tmp/scenario");
  }
  process.stderr.write(
    `scenario ${name}, seed ${seed}: ${plan.durationS} s capture of this machine under a baseline load; ` +
      (plan.injection ? `at t = ${plan.injectAtS} s ${plan.injection.description}` : "nothing injected") +
      "... (Ctrl-C stops early and keeps the data)\n",
  );
  const cap = await runScenario(name, {
    ...opts,
    out: values.out,
    ...(values.interval !== undefined ? { interval: values.interval } : {}),
  });
  const labels = scenarioLabels(cap);
  if (values.json) {
    process.stdout.write(JSON.stringify({ scenario: name, seed, out: values.out, labels }, null, 2) + "\n");
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
      `\n\nwrote ${values.out}\n`,
  );
  return 0;
}

#!/usr/bin/env node
// The bpflab command line: collectors, capture, show, detect, compare, demo. One function per command.

import { parseArgs } from "node:util";
import { BpflabError, OptionError } from "../errors.js";
import { collectors } from "../collectors/registry.js";
import { capture } from "../capture/engine.js";
import { loadCapture, saveCapture } from "../capture/capture-files.js";
import { summarize, textTable } from "./summary.js";
import { setVerbose } from "../log.js";
import { readCaptureConfig } from "../capture/config-file.js";

const HELP = `bpflab: eBPF captures of this machine as dataframes and Parquet, and anomaly detection on them

USAGE
  bpflab collectors [--json]                 list collectors with their options and columns
  bpflab capture --collector NAME... --duration D [--interval I] [--pid N] --out DIR [-- CMD ARGS...]
                                             capture (root or CAP_BPF+CAP_PERFMON), one Parquet file per collector
  bpflab show DIR                            summarise a saved capture (no root needed)
  bpflab detect DIR [--detector NAME]... [--by pid|tid|comm|cgroup] [--top N] [--rank-by NAME|consensus]
                                             run detectors on a saved capture, print the top anomalies
  bpflab compare --data FILE --label COL --detector NAME... [--format table|json]
                                             compare detectors on labelled CSV or Parquet data
  bpflab demo [--out DIR] [--duration D]     the main job: capture this machine while a known workload runs,
                                             detect anomalies, print a report

OPTIONS
  -c, --collector NAME   sched, syscalls, process (repeat for several)
  -d, --duration D       10s, 500ms, 2m, 1h (a bare number is seconds)
  -i, --interval I       aggregation interval of sched and syscalls (default 1s)
  -p, --pid N            only this process and its descendants
      --no-latency       syscalls, ufunc: count calls (and errors) without timing them (cheaper)
      --ufunc BIN:SYM    ufunc: a user-space function to count and time (repeat for several)
  -o, --out DIR          where to write <collector>.parquet files
      --config FILE      capture settings from JSON (configs/*.json); flags given here override it
  -v, --verbose          libbpf's and bpflab's debug log on stderr

EXAMPLES
  sudo bpflab capture -c sched -c syscalls -d 10s -o /tmp/cap        # whole machine, 10 s
  sudo bpflab capture -c syscalls -c process -d 30s -o /tmp/cap -- make -j2   # a command and its children
  sudo bpflab capture -c sched -d 1m -p 1234 -o /tmp/cap             # a running process
  sudo bpflab capture -c ufunc --ufunc /bin/bash:readline -d 30s -o /tmp/cap   # calls and latency of a function
  sudo bpflab capture --config configs/whole-machine.json -o /tmp/cap
  bpflab show /tmp/cap
  bpflab detect /tmp/cap --detector iforest --detector pca
  bpflab compare --data datasets/public/odds/cardio.csv --label label --detector iforest --detector pca

Ctrl-C ends a capture early and keeps the data captured until then.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "collectors":
      return cmdCollectors(rest);
    case "capture":
      return cmdCapture(rest);
    case "show":
      return cmdShow(rest);
    case "detect":
      return (await import("./detect-command.js")).cmdDetect(rest);
    case "compare":
      return (await import("./compare-command.js")).cmdCompare(rest);
    case "demo":
      return (await import("./demo-command.js")).cmdDemo(rest);
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(HELP + "\n");
      return cmd === undefined ? 2 : 0;
    default:
      throw new OptionError(
        `unknown command "${cmd}"`,
        "commands: collectors, capture, show, detect, compare, demo (bpflab --help)",
      );
  }
}

function cmdCollectors(args: string[]): number {
  const { values } = parseArgs({ args, options: { json: { type: "boolean" } } });
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        Object.values(collectors).map((c) => ({
          name: c.name,
          description: c.description,
          tracepoints: c.tracepoints,
          options: c.options,
          columns: c.schema,
        })),
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  for (const c of Object.values(collectors)) {
    process.stdout.write(`${c.name}: ${c.description}\n  tracepoints: ${c.tracepoints.join(", ")}\n`);
    for (const o of c.options)
      process.stdout.write(`  option ${o.name} (${o.type}, default ${o.default}): ${o.description}\n`);
    process.stdout.write(
      textTable(
        ["  column", "type", "unit", "meaning"],
        c.schema.map((s) => [`  ${s.name}`, s.type, s.unit ?? "", s.description ?? ""]),
      ) + "\n\n",
    );
  }
  return 0;
}

async function cmdCapture(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      collector: { type: "string", short: "c", multiple: true },
      duration: { type: "string", short: "d" },
      interval: { type: "string", short: "i" },
      pid: { type: "string", short: "p" },
      out: { type: "string", short: "o" },
      "no-latency": { type: "boolean" },
      ufunc: { type: "string", multiple: true },
      config: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    },
  });
  if (values.verbose) setVerbose(true);
  const cfg = values.config ? readCaptureConfig(values.config) : {};
  if (!values.collector?.length && !cfg.collectors) {
    throw new OptionError("no --collector given", `name one or more of: ${Object.keys(collectors).join(", ")}`);
  }
  if (!values.duration && cfg.duration === undefined)
    throw new OptionError("no --duration given", "e.g. --duration 10s");
  if (!values.out)
    throw new OptionError("no --out DIR given", "name a folder for the Parquet files, e.g. --out /tmp/cap");
  let pid: number | undefined;
  if (values.pid !== undefined) {
    pid = Number(values.pid);
    if (!Number.isInteger(pid) || pid <= 0)
      throw new OptionError(`bad --pid: ${values.pid}`, "pass a process id, see `pgrep NAME`");
  }
  // Command-line flags override the config file.
  const spec = values.collector?.length
    ? Object.fromEntries(
        values.collector.map((c) => [
          c,
          c === "syscalls" && values["no-latency"]
            ? { latency: false }
            : c === "ufunc"
              ? { functions: values.ufunc ?? [], ...(values["no-latency"] ? { latency: false } : {}) }
              : {},
        ]),
      )
    : cfg.collectors!;
  if (values.ufunc?.length && !values.collector?.includes("ufunc")) {
    throw new OptionError("--ufunc needs the ufunc collector", "add -c ufunc");
  }
  const options = {
    ...cfg,
    collectors: spec,
    duration: values.duration ?? cfg.duration!,
    ...(values.interval ? { interval: values.interval } : {}),
    ...(pid !== undefined ? { pid } : {}),
    ...(positionals.length ? { command: positionals } : {}),
  };
  const names = Array.isArray(spec) ? spec : Object.keys(spec);
  process.stderr.write(
    `capturing ${names.join(", ")} for ${options.duration}` +
      `${options.command ? ` while running: ${options.command.join(" ")}` : ""}... (Ctrl-C stops early and keeps the data)\n`,
  );
  const cap = await capture(options);
  const files = await saveCapture(cap, values.out);
  process.stdout.write(summarize(cap) + "\n\nwrote " + files.join(", ") + "\n");
  return 0;
}

async function cmdShow(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1)
    throw new OptionError("show takes one folder", "bpflab show DIR (a folder written by bpflab capture)");
  const cap = await loadCapture(positionals[0]!);
  process.stdout.write(summarize(cap) + "\n");
  return 0;
}

/** Runs the CLI and exits: 0 done, 2 bad usage (OptionError), 1 any other error. */
export function run(argv = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof BpflabError) {
        process.stderr.write(`bpflab: ${e.message}\n`);
        process.exitCode = e instanceof OptionError ? 2 : 1;
      } else if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
        process.stderr.write(`bpflab: ${(e as Error).message}\n  hint: see bpflab --help\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`bpflab: ${(e as Error).stack ?? String(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

if (require.main === module) run();

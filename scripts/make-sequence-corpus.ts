// Makes datasets/syscall-sequences/: a labelled syscall-sequence corpus from bpflab's own event captures of
// real programs behaving normally and abnormally (manifest.json says what each trace is). Run as root:
//   npx tsx scripts/make-sequence-corpus.ts [--out datasets/syscall-sequences] [--runs 8]
// One trace per run: the calls of the program's main thread, in order. train.parquet holds normal runs only (for
// --fit); test.parquet the other normal runs and every abnormal one, labelled (label 1 = abnormal run).

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { capture } from "../kernel/capture/engine.js";
import { FrameBuilder } from "../kernel/frame/frame-builder.js";
import { writeParquet } from "../kernel/frame/parquet.js";
import { packageRoot } from "../kernel/paths.js";

const { values } = parseArgs({ options: { out: { type: "string" }, runs: { type: "string" } } });
const out = resolve(values.out ?? join(packageRoot(), "datasets", "syscall-sequences"));
const RUNS = Number(values.runs ?? 8); // normal runs per program (half train, half test)
const here = join(packageRoot(), "scripts", "corpus");
const MAX_CALLS = 20_000; // per trace: keeps the shipped corpus small
const log = (s: string) => process.stderr.write(`make-sequence-corpus: ${s}\n`);

interface Run {
  program: string;
  behaviour: string;
  label: 0 | 1;
  split: "train" | "test";
  calls: string[];
}

/** Captures `command`'s syscalls (its main thread's) while `drive` runs beside it; returns them in order. */
async function traced(command: string[], drive?: () => Promise<void>, durationS = 60): Promise<string[]> {
  let started = false;
  let driving: Promise<void> | undefined;
  const cap = await capture({
    collectors: { syscalls: { events: true } },
    duration: `${durationS}s`,
    interval: "200ms",
    command,
    handleSignals: false,
    onInterval: () => {
      if (!started && drive) {
        started = true;
        driving = drive();
      }
    },
  });
  await driving;
  const f = cap.frame("syscalls_events");
  const tid = f.numeric("tid"),
    names = f.strings("syscall");
  const calls: string[] = [];
  for (let i = 0; i < f.length && calls.length < MAX_CALLS; i++) if (tid[i] === cap.meta.pid) calls.push(names[i]!);
  if (cap.meta.lost.syscalls) log(`warning: ${cap.meta.lost.syscalls} events lost`);
  return calls;
}

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<void>((ok) => {
    const c = spawn(cmd, args, { stdio: "ignore", env: { ...process.env, ...env } });
    c.once("exit", () => ok());
  });

async function web(work: string, seed: number, mode: string): Promise<string[]> {
  const port = 18000 + seed;
  const root = join(work, "www");
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < 6; i++) writeFileSync(join(root, `page${i}.html`), `<p>${"x".repeat(200 * (i + 1))}</p>`);
  const n = 120 + 10 * (seed % 5);
  const at = mode === "normal" ? -1 : Math.floor(n / 2);
  return traced(["python3", join(here, "web-server.py"), String(port), String(n), root, mode], () =>
    run("python3", [join(here, "web-client.py"), String(port), String(n), root, String(seed), String(at)]),
  );
}

async function shell(work: string, seed: number, mode: string): Promise<string[]> {
  const d = mkdtempSync(join(work, "sh-"));
  return traced(["bash", join(here, "shell-suite.sh"), d, String(6 + (seed % 4)), mode]);
}

async function redis(work: string, seed: number, mode: string): Promise<string[]> {
  const port = 16400 + seed;
  const dir = mkdtempSync(join(work, "redis-"));
  const cli = (...a: string[]) => spawnSync("redis-cli", ["-p", String(port), ...a], { stdio: "ignore" });
  return traced(
    [
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--loglevel",
      "warning",
    ],
    async () => {
      for (let i = 0; i < 50 && cli("ping").status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
      const bench = (n: number) =>
        run("redis-benchmark", ["-p", String(port), "-n", String(n), "-c", "4", "-q", "-t", "set,get,incr,lpush"]);
      await bench(600 + 50 * (seed % 5));
      if (mode === "config-save") {
        // the classic Redis break-in: point the dump at another folder and file, then save
        cli("config", "set", "dir", work);
        cli("config", "set", "dbfilename", "authorized_keys");
        cli("save");
      } else if (mode === "module-load") {
        cli("module", "load", join(work, "evil.so"));
        cli("config", "set", "enable-debug-command", "yes");
        cli("debug", "sleep", "0");
      }
      await bench(300);
      cli("shutdown", "nosave");
    },
  );
}

const programs: Record<string, { fn: typeof web; abnormal: string[] }> = {
  "http.server": { fn: web, abnormal: ["shell", "read-secrets", "privesc", "crash-loop"] },
  "shell-suite": { fn: shell, abnormal: ["reverse-shell", "read-secrets", "crash-loop"] },
  redis: { fn: redis, abnormal: ["config-save", "module-load"] },
};

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bpflab-corpus-"));
  const runs: Run[] = [];
  try {
    for (const [program, p] of Object.entries(programs)) {
      for (let s = 0; s < RUNS; s++) {
        const calls = await p.fn(work, s, "normal");
        runs.push({ program, behaviour: "normal", label: 0, split: s < RUNS / 2 ? "train" : "test", calls });
        log(`${program} normal ${s}: ${calls.length} calls`);
      }
      for (const [k, mode] of p.abnormal.entries()) {
        const calls = await p.fn(work, RUNS + k, mode);
        runs.push({ program, behaviour: mode, label: 1, split: "test", calls });
        log(`${program} ${mode}: ${calls.length} calls`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  const schema = [
    { name: "trace", type: "str", description: "trace id: program/behaviour/run" },
    { name: "seq", type: "u32", description: "position of the call in its trace" },
    { name: "call", type: "str", description: "syscall name (x86-64)" },
    { name: "label", type: "u32", description: "1: the trace is of an abnormal run" },
    { name: "program", type: "str", description: "the program traced" },
    { name: "behaviour", type: "str", description: "normal, or the abnormal behaviour" },
  ] as const;
  const manifest: Record<string, unknown>[] = [];
  for (const split of ["train", "test"] as const) {
    const b = new FrameBuilder(schema);
    runs.forEach((r, i) => {
      if (r.split !== split) return;
      const id = `${r.program}/${r.behaviour}/${i}`;
      manifest.push({
        trace: id,
        split,
        program: r.program,
        behaviour: r.behaviour,
        label: r.label,
        calls: r.calls.length,
      });
      r.calls.forEach((c, j) => {
        const row = b.beginRow();
        b.setStr(0, row, id);
        b.setNum(1, row, j);
        b.setStr(2, row, c);
        b.setNum(3, row, r.label);
        b.setStr(4, row, r.program);
        b.setStr(5, row, r.behaviour);
      });
    });
    await writeParquet(b.finish("syscall_sequences"), join(out, `${split}.parquet`));
  }
  writeFileSync(
    join(out, "manifest.json"),
    JSON.stringify(
      {
        description:
          "Syscall sequences of real programs' main threads, captured by bpflab's syscalls collector in event mode on Linux x86-64; normal runs and abnormal runs of the same programs.",
        made_by: "npx tsx scripts/make-sequence-corpus.ts (as root)",
        licence: "MIT, as bpflab: made by bpflab's own captures of programs run on the development machine",
        kernel: spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim(),
        files: { "train.parquet": "normal runs only (fit)", "test.parquet": "normal and abnormal runs (label)" },
        columns: Object.fromEntries(schema.map((s) => [s.name, s.description])),
        traces: manifest,
      },
      null,
      1,
    ) + "\n",
  );
  log(`wrote ${out}: ${runs.length} traces`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

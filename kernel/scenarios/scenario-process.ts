// The processes a scenario starts: each in its own process group with its stdout reports parsed (the
// protocol in native/scn.h), and all of them ended, and checked gone, when the scenario ends, whatever happens.

import { spawn, ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { createInterface } from "node:readline";
import { ScenarioError } from "../errors.js";

/** One report line: `kind` is its first word ("ready", "start", "stat", ...), `fields` the rest. */
export interface Report {
  kind: string;
  fields: string[];
}

/** A fixed environment: nothing of the caller's (LD_PRELOAD, PATH) reaches what scenarios run as root. */
const ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C" };

export class ScenarioProcess {
  readonly name: string;
  readonly pid: number;
  readonly reports: Report[] = [];
  /** Exit code, 128 + signal when killed, undefined while running. */
  exitCode: number | undefined = undefined;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private notify: (() => void)[] = [];

  constructor(path: string, name: string, args: string[], stdin: boolean) {
    this.name = name;
    // detached: a process group of its own (pgid = pid), so its children go with it, and the terminal's
    // Ctrl-C reaches only bpflab, which then ends everything in order.
    this.child = spawn(path, args, { stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"], detached: true, env: ENV });
    if (this.child.pid === undefined) throw new ScenarioError(`cannot start ${name} (${path})`, "check that it runs");
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
        this.wake();
        resolve();
      });
    });
    this.child.on("error", () => {}); // a failed spawn also emits "exit"
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const [kind = "", ...fields] = line.trim().split(/\s+/);
      this.reports.push({ kind, fields });
      this.wake();
    });
    createInterface({ input: this.child.stderr! }).on("line", (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 5) this.stderrTail.shift();
    });
    this.child.stdin?.on("error", () => {}); // it may exit while we write
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Writes one command line to its control thread (baseline processes). */
  send(line: string): void {
    this.child.stdin?.write(line + "\n");
  }

  /** The value of its last `stat KEY VALUE` report. */
  stat(key: string): string | undefined {
    for (let i = this.reports.length - 1; i >= 0; i--) {
      const r = this.reports[i]!;
      if (r.kind === "stat" && r.fields[0] === key) return r.fields[1];
    }
    return undefined;
  }

  /** Monotonic ns of its reports of `kind` ("start", "end"), from report index `from` on. */
  times(kind: string, from = 0): bigint[] {
    return this.reports.slice(from).flatMap((r) => (r.kind === kind && r.fields[0] ? [BigInt(r.fields[0])] : []));
  }

  /**
   * The first report of `kind` at index `from` or later. Rejects when the process reports an error, exits
   * first, `timeoutMs` passes or `signal` aborts.
   */
  async waitFor(kind: string, timeoutMs: number, signal?: AbortSignal, from = 0): Promise<Report> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.reports.length; i++) {
        const r = this.reports[i]!;
        if (r.kind === kind) return r;
        if (r.kind === "error") throw this.failure(`reported: ${r.fields.join(" ")}`);
      }
      if (!this.running) throw this.failure(`exited with code ${this.exitCode} before reporting "${kind}"`);
      if (signal?.aborted) throw new ScenarioError(`interrupted while waiting for ${this.name}`, "");
      const left = until - Date.now();
      if (left <= 0) throw this.failure(`did not report "${kind}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.notify.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Signals its whole process group (no error when it is gone already). */
  killGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is empty: nothing left to signal
    }
  }

  private wake(): void {
    const n = this.notify;
    this.notify = [];
    for (const f of n) f();
  }

  private failure(what: string): ScenarioError {
    const err = this.stderrTail.length ? `; its stderr: ${this.stderrTail.join(" | ")}` : "";
    return new ScenarioError(
      `scenario process ${this.name} (pid ${this.pid}) ${what}${err}`,
      "run the scenario again with --verbose; if it repeats, rebuild with `bash scripts/setup.sh`",
    );
  }
}

/** Every process a scenario started; `stopAll` ends them and their children and waits until all are gone. */
export class ProcessSet {
  private readonly procs: ScenarioProcess[] = [];
  private closed = false;

  /** Starts a process; refused once `stopAll` has begun, so a late injection cannot outlive the scenario. */
  start(path: string, name: string, args: string[], stdin = false): ScenarioProcess {
    if (this.closed) throw new ScenarioError(`not starting ${name}: the scenario is ending`, "");
    const p = new ScenarioProcess(path, name, args, stdin);
    this.procs.push(p);
    return p;
  }

  get all(): readonly ScenarioProcess[] {
    return this.procs;
  }

  /**
   * SIGTERM to each process group, SIGKILL to what is left after `graceMs`, then waits (up to 5 s) until no
   * process remains in any of the groups: children that outlived their parent are found in /proc by group.
   */
  async stopAll(graceMs = 1000): Promise<void> {
    this.closed = true;
    for (const p of this.procs) p.killGroup("SIGTERM");
    await Promise.race([Promise.all(this.procs.map((p) => p.exited)), sleep(graceMs)]);
    const groups = new Set(this.procs.map((p) => p.pid));
    for (let i = 0; i < 50; i++) {
      for (const p of this.procs) if (p.running || i > 0) p.killGroup("SIGKILL");
      const left = groupMembers(groups);
      if (left.length === 0 && this.procs.every((p) => !p.running)) return;
      await sleep(100);
    }
    const left = groupMembers(groups);
    throw new ScenarioError(
      `scenario processes still running after SIGKILL: ${left.join(", ") || this.procs.filter((p) => p.running).map((p) => p.pid)}`,
      "they are in uninterruptible sleep (D state, check `ps -o pid,stat,comm -p PID`); they end when their I/O does",
    );
  }
}

/** Pids of the processes (zombies excluded) whose process group is one of `groups`. */
export function groupMembers(groups: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
      if (rest[0] !== "Z" && groups.has(Number(rest[2]))) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

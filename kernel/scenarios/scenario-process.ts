// The processes a scenario starts: each in its own process group, its reports (the protocol in native/scn.h)
// read from a file in the scenario's private directory, commands appended to a control file it polls, and all
// of them ended, and checked gone, when the scenario ends. Files, not pipes: Node's pipes to a child are unix
// sockets, which the net collector would see as traffic at the very moments a label begins and ends (and a
// signal to say "look" would show in the signals collector).

import { spawn } from "node:child_process";
import { closeSync, constants as fsc, openSync, readdirSync, readFileSync, readSync, writeSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { ScenarioError } from "../errors.js";

/** One report line: `kind` is its first word ("ready", "start", "stat", ...), `fields` the rest. */
export interface Report {
  kind: string;
  fields: string[];
}

/** A fixed environment: nothing of the caller's (LD_PRELOAD, PATH) reaches what scenarios run as root. */
const ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C" };
const POLL_MS = 20;
let seq = 0;

/** Creates a new file only bpflab can touch: no symlink followed, none already there. */
function createPrivate(path: string, flags: number): number {
  return openSync(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | flags, 0o600);
}

export class ScenarioProcess {
  readonly name: string;
  readonly pid: number;
  /** Exit code, 128 + signal when killed, undefined while running. */
  exitCode: number | undefined = undefined;
  /** CLOCK_MONOTONIC ns when its exit was seen here (a few ms after the kernel's). */
  exitedAt: bigint | undefined = undefined;
  readonly exited: Promise<void>;
  /** Where its control thread reads a command (baseline processes get it as ctl=PATH). */
  readonly controlPath: string;
  private readonly lines: Report[] = [];
  private readonly outFd: number;
  private readonly errPath: string;
  private offset = 0;
  private partial = "";

  /** Starts `path` with `args` (plus ctl=PATH when `control`), reporting into files under `dir`. */
  constructor(path: string, name: string, args: string[], dir: string, control = false) {
    this.name = name;
    const base = join(dir, `${name}-${++seq}`);
    this.controlPath = `${base}.ctl`;
    this.errPath = `${base}.err`;
    if (control) closeSync(createPrivate(this.controlPath, fsc.O_WRONLY));
    const out = createPrivate(`${base}.out`, fsc.O_WRONLY | fsc.O_APPEND);
    const err = createPrivate(this.errPath, fsc.O_WRONLY | fsc.O_APPEND);
    this.outFd = openSync(`${base}.out`, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      // Not detached (setsid): the process puts itself in a group of its own (native/scn.c) but stays in
      // this session, so all of a scenario's processes share one scheduler autogroup.
      const child = spawn(path, control ? [...args, `ctl=${this.controlPath}`] : args, {
        stdio: ["ignore", out, err],
        env: ENV,
      });
      if (child.pid === undefined) throw new ScenarioError(`cannot start ${name} (${path})`, "check that it runs");
      this.pid = child.pid;
      this.exited = new Promise((resolve) => {
        child.on("exit", (code, signal) => {
          this.exitedAt = process.hrtime.bigint();
          this.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
          resolve();
        });
      });
      child.on("error", () => {}); // a failed spawn also emits "exit"
    } finally {
      closeSync(out); // the child has its own copies
      closeSync(err);
    }
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Its reports so far. */
  get reports(): readonly Report[] {
    this.poll();
    return this.lines;
  }

  /** Hands a command line to its control thread (appended in one write; it looks four times a second). */
  send(line: string): void {
    const fd = openSync(this.controlPath, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_NOFOLLOW);
    try {
      writeSync(fd, line + "\n");
    } finally {
      closeSync(fd);
    }
  }

  /** The value of its last `stat KEY VALUE` report. */
  stat(key: string): string | undefined {
    const all = this.reports;
    for (let i = all.length - 1; i >= 0; i--) {
      const r = all[i]!;
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
      const exited = !this.running; // read before the reports: a last line written before exit is seen
      const all = this.reports;
      for (let i = from; i < all.length; i++) {
        const r = all[i]!;
        if (r.kind === kind) return r;
        if (r.kind === "error") throw this.failure(`reported: ${r.fields.join(" ")}`);
      }
      if (exited) throw this.failure(`exited with code ${this.exitCode} before reporting "${kind}"`);
      if (signal?.aborted) throw new ScenarioError(`interrupted while waiting for ${this.name}`, "");
      if (Date.now() >= until) throw this.failure(`did not report "${kind}" within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Signals its whole process group, or the process itself if it has not made its group yet (no error when gone). */
  killGroup(signal: NodeJS.Signals): void {
    for (const target of [-this.pid, this.pid]) {
      try {
        process.kill(target, signal);
        return;
      } catch {
        // no such group (yet, or any more): try the process itself
      }
    }
  }

  /** Stops reading its reports (after it has exited; its files go with the scenario's directory). */
  close(): void {
    this.poll();
    try {
      closeSync(this.outFd);
    } catch {
      // closed already
    }
  }

  private poll(): void {
    const buf = Buffer.alloc(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.outFd, buf, 0, buf.length, this.offset);
      } catch {
        return; // closed
      }
      if (n <= 0) return;
      this.offset += n;
      const text = this.partial + buf.toString("utf8", 0, n);
      const parts = text.split("\n");
      this.partial = parts.pop() ?? "";
      for (const line of parts) {
        const [kind = "", ...fields] = line.trim().split(/\s+/);
        if (kind) this.lines.push({ kind, fields });
      }
    }
  }

  private failure(what: string): ScenarioError {
    let err = "";
    try {
      err = readFileSync(this.errPath, "utf8").trim().split("\n").slice(-3).join(" | ");
    } catch {
      // no stderr file
    }
    return new ScenarioError(
      `scenario process ${this.name} (pid ${this.pid}) ${what}${err ? `; its stderr: ${err}` : ""}`,
      "run the scenario again with --verbose; if it repeats, rebuild with `bash scripts/setup.sh`",
    );
  }
}

/** Every process a scenario started; `stopAll` ends them and their children and waits until all are gone. */
export class ProcessSet {
  private readonly procs: ScenarioProcess[] = [];
  private closed = false;

  /** @param dir the scenario's private directory, where the processes' report files go */
  constructor(private readonly dir: string) {}

  /** Starts a process; refused once `stopAll` has begun, so a late injection cannot outlive the scenario. */
  start(path: string, name: string, args: string[], control = false): ScenarioProcess {
    if (this.closed) throw new ScenarioError(`not starting ${name}: the scenario is ending`, "");
    const p = new ScenarioProcess(path, name, args, this.dir, control);
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
      if (groupMembers(groups).length === 0 && this.procs.every((p) => !p.running)) {
        for (const p of this.procs) p.close();
        return;
      }
      await sleep(100);
    }
    const left = [...groupMembers(groups), ...this.procs.filter((p) => p.running).map((p) => p.pid)];
    throw new ScenarioError(
      `scenario processes still running after SIGKILL: ${[...new Set(left)].join(", ")}`,
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

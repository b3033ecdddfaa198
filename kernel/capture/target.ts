// The traced process: an existing pid (with its current descendants) or a command started stopped, so that
// the probes are attached before its first instruction runs.

import { spawn, ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { constants } from "node:os";
import { CommandNotFoundError, OptionError } from "../errors.js";

/** Fields of /proc/<pid>/stat after the comm: state and ppid. */
function statOf(pid: number): { state: string; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

export function checkPid(pid: unknown): number {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) {
    throw new OptionError(`bad pid: ${JSON.stringify(pid)}`, "pass a process id (a positive integer, see `pgrep`)");
  }
  if (!existsSync(`/proc/${pid}`)) {
    throw new OptionError(
      `no process with pid ${pid}`,
      "check the pid with `ps -p PID` (it may have exited), or pass `command` to start the process under capture",
    );
  }
  return pid;
}

/** `pid` and every process below it now (children, grandchildren, ...). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    const p = Number(d);
    if (!Number.isInteger(p) || p <= 0) continue;
    const st = statOf(p);
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(p);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** A command started stopped (SIGSTOP before exec); `resume()` lets it run once the probes are attached. */
export class StoppedCommand {
  readonly child: ChildProcess;
  readonly argv: string[];
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;

  private constructor(argv: string[], child: ChildProcess) {
    this.argv = argv;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.exitCode = code ?? (signal ? 128 + (osSignal(signal) ?? 0) : null);
        resolve(this.exitCode);
      });
    });
  }

  static async start(argv: string[]): Promise<StoppedCommand> {
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== "string")) {
      throw new OptionError(
        `bad command: ${JSON.stringify(argv)}`,
        'pass the command as an array of strings, e.g. ["stress-ng", "--cpu", "1", "-t", "5"]',
      );
    }
    resolveCommand(argv[0]!); // fails now, as a shell would, rather than after the probes are attached
    // setpriv makes the kernel kill the command when bpflab dies (even SIGKILLed, even while the command is
    // still stopped: SIGKILL needs no SIGCONT); the shell then stops itself and execs the command in the same
    // process, so the pid we track is the command's. No argument is ever parsed by the shell: "$@" passes them.
    const child = spawn(
      SETPRIV,
      ["--pdeathsig", "KILL", "/bin/sh", "-c", 'kill -STOP $$; exec "$@"', "bpflab-command", ...argv],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    const cmd = new StoppedCommand(argv, child);
    const failed = new Promise<never>((_, reject) =>
      child.once("error", (e) =>
        reject(new OptionError(`cannot start command ${argv[0]}: ${e.message}`, "check the command and its path")),
      ),
    );
    const stopped = (async () => {
      for (let i = 0; i < 2000; i++) {
        if (child.pid && statOf(child.pid)?.state === "T") return;
        if (cmd.exitCode !== undefined) break;
        await new Promise((r) => setTimeout(r, 1));
      }
      throw new OptionError(`command ${argv[0]} did not start`, "check that /bin/sh exists and the command is valid");
    })();
    await Promise.race([stopped, failed]);
    return cmd;
  }

  get pid(): number {
    return this.child.pid!;
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }

  /** Ends the command if still running: SIGTERM, then SIGKILL after `graceMs`. */
  async terminate(graceMs = 2000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill("SIGCONT");
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const SETPRIV = "/usr/bin/setpriv";

/**
 * The command's executable: a path as given, or the first match in PATH, as a shell would find it.
 * @throws CommandNotFoundError (exit status 127, as a shell gives) when there is none or it cannot be run.
 */
export function resolveCommand(name: string): string {
  const candidates = name.includes("/")
    ? [resolve(name)]
    : (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, fsConstants.X_OK);
        return c;
      }
    } catch {
      // not here, or not executable: try the next
    }
  }
  throw new CommandNotFoundError(
    `command not found: ${name}`,
    name.includes("/") ? "check the path and that the file is executable" : "check its spelling, or give its full path",
  );
}

function osSignal(name: string): number | undefined {
  return constants.signals[name as NodeJS.Signals];
}

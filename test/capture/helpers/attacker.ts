// A second, unprivileged user for attack tests: created with useradd, runs commands through setpriv, removed
// with userdel afterwards.

import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";

export interface Attacker {
  name: string;
  uid: number;
  gid: number;
  /** Runs argv as the attacker; returns exit status and output. */
  run(argv: string[]): { status: number | null; stdout: string; stderr: string };
  /** Starts a bash script as the attacker in the background. */
  start(script: string): ChildProcess;
  remove(): void;
}

export function createAttacker(): Attacker {
  const name = `bpfatk${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name]);
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  const started: ChildProcess[] = [];
  const as = (argv: string[]) => [`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--", ...argv];
  return {
    name,
    uid,
    gid,
    run(argv) {
      const r = spawnSync("setpriv", as(argv), { encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    start(script) {
      const child = spawn("setpriv", as(["bash", "-c", script]), { stdio: "ignore" });
      started.push(child);
      return child;
    },
    remove() {
      // Only the processes this helper started (setpriv execs bash in place, so the pid is the script's).
      for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      execFileSync("userdel", [name]);
    },
  };
}

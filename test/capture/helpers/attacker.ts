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
      // Its own process group, so that the script's children go with it.
      const child = spawn("setpriv", as(["bash", "-c", script]), { stdio: "ignore", detached: true });
      started.push(child);
      return child;
    },
    remove() {
      // The processes this helper started and their children (setpriv execs bash in place, so the pid is the
      // script's and leads its group), then whatever else still runs as this test-only uid; userdel refuses a
      // user with a live process, and a killed one takes a moment to go on a loaded machine.
      for (const c of started) {
        if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) continue;
        try {
          process.kill(-c.pid, "SIGKILL");
        } catch {
          c.kill("SIGKILL");
        }
      }
      for (let attempt = 0; ; attempt++) {
        spawnSync("pkill", ["-KILL", "-U", String(uid)]);
        const r = spawnSync("userdel", [name], { encoding: "utf8" });
        if (r.status === 0) return;
        if (attempt >= 50) throw new Error(`userdel ${name}: ${r.stderr.trim()}`);
        spawnSync("sleep", ["0.1"]);
      }
    },
  };
}

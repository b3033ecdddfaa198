// Attacks by a second, unprivileged user on root's captures: planted symlinks in and around the output folder, a
// pre-created --out, a folder swapped while it is written, a swapped demo workload. None may succeed.

import { afterAll, beforeAll, describe, expect } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareOutput } from "../../kernel/capture/output-dir.js";
import { SegmentWriter } from "../../kernel/capture/segment-writer.js";
import { saveCapture } from "../../kernel/capture/capture-files.js";
import { Capture } from "../../kernel/capture/capture.js";
import { writeParquet } from "../../kernel/frame/parquet.js";
import { OptionError } from "../../kernel/errors.js";
import { createAttacker, type Attacker } from "./helpers/attacker.js";
import { intervalFrame, spillMeta, SPILL_SCHEMA } from "./helpers/spill-frames.js";
import { rootIt } from "./helpers/root.js";
import { liveIt } from "../helpers/live.js";

let root: string;
let atk: Attacker | undefined;
/** A root-owned 0600 file and folder the attacker wants root to overwrite or write into. */
let victim: string;
let victimDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "bpflab-attacks-"));
  chmodSync(root, 0o755); // the attacker must reach the folders made for them below
  victimDir = join(root, "victim");
  mkdirSync(victimDir, { mode: 0o700 });
  victim = join(victimDir, "secret");
  writeFileSync(victim, "SECRET\n", { mode: 0o600 });
  if (process.geteuid?.() === 0) atk = createAttacker();
});
/** Demos started by a test: one still running when its test timed out is stopped here. */
const demos: ChildProcess[] = [];
afterAll(() => {
  for (const d of demos) if (d.exitCode === null && d.signalCode === null) d.kill("SIGINT");
  atk?.remove();
  rmSync(root, { recursive: true, force: true });
});

const cap = () =>
  new Capture(spillMeta(["sched", "syscalls"]), {
    sched: intervalFrame("sched", 0, 100),
    syscalls: intervalFrame("syscalls", 0, 10),
  });

function victimUntouched(): void {
  expect(readFileSync(victim, "utf8")).toBe("SECRET\n");
  expect(statSync(victim).mode & 0o777).toBe(0o600);
  expect(readdirSync(victimDir)).toEqual(["secret"]);
}

/** A folder owned by the attacker (not sticky: symlinks in it are followed by root, unlike in /tmp itself). */
function attackerFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  execFileSync("chown", [`${atk!.uid}:${atk!.gid}`, dir]);
  return dir;
}

describe("attacks by another user", () => {
  rootIt("a pre-created --out holding symlinks to root's files, with every temp name planted: refused", async () => {
    const dir = attackerFolder("precreated");
    const names = [
      "sched.parquet",
      "syscalls.parquet",
      "tmp_sched.parquet",
      `sched.parquet.tmp-${process.pid}-${Date.now()}`,
      "report.txt",
      "capture.json",
      "owner.json",
    ];
    for (const n of names) expect(atk!.run(["ln", "-s", victim, join(dir, n)]).status).toBe(0);
    for (const force of [false, true]) {
      const err = await saveCapture(cap(), dir, { force }).catch((e) => e);
      expect(err).toBeInstanceOf(OptionError);
      expect(err.message).toMatch(new RegExp(`belongs to uid ${atk!.uid}`));
    }
    // An empty folder of theirs is refused as well: they could plant files in it at any time.
    const empty = attackerFolder("precreated-empty");
    expect(await prepareOutput(empty).catch((e) => e)).toBeInstanceOf(OptionError);
    victimUntouched();
  });

  rootIt("--out through a symlink the attacker made: refused with the resolved path", async () => {
    const dir = attackerFolder("links");
    expect(atk!.run(["ln", "-s", victimDir, join(dir, "cap")]).status).toBe(0);
    const err = await saveCapture(cap(), join(dir, "cap")).catch((e) => e);
    expect(err).toBeInstanceOf(OptionError);
    expect(err.hint).toContain(victimDir);
    victimUntouched();
  });

  rootIt(
    "a new --out inside the attacker's folder, renamed and replaced by symlinks while segments are written",
    async () => {
      const parent = attackerFolder("swap");
      const dir = join(parent, "cap");
      const out = await prepareOutput(dir);
      // The attacker races for 4 s: symlinks at every name they can guess inside the folder, and the folder itself
      // moved away and replaced by a symlink to root's folder (they own the parent, so rename is theirs to do).
      const script = `
        end=$((SECONDS+4)); i=0
        while [ $SECONDS -lt $end ]; do
          for n in a.parquet b.parquet capture.json owner.json a.000001.parquet a.000001.parquet.part; do
            ln -sf ${victim} ${dir}/$n 2>/dev/null
          done
          if mv ${dir} ${parent}/moved.$i 2>/dev/null; then ln -sfn ${victimDir} ${dir}; i=$((i+1)); fi
          ls -a ${parent}/moved.* >/dev/null 2>&1
        done`;
      const child = atk!.start(script);
      const attackDone = new Promise((r) => child.on("exit", r)); // listen now: it may end before the capture
      const sink = new SegmentWriter(out, { segmentMs: 0 });
      const meta = spillMeta(["a", "b"]);
      sink.begin(meta, [
        { name: "a", schema: SPILL_SCHEMA },
        { name: "b", schema: SPILL_SCHEMA },
      ]);
      const t0 = Date.now();
      let k = 0;
      while (Date.now() - t0 < 3000) {
        sink.append("a", intervalFrame("a", k * 100, 100));
        k++;
        await sink.settled();
      }
      const paths = await sink.finish({ ...meta, elapsedMs: 3000 });
      out.close();
      await attackDone;
      victimUntouched();
      expect(paths.length).toBe(2);
      const movedAway = readdirSync(parent).filter((f) => f.startsWith("moved.")).length;
      expect(movedAway).toBeGreaterThan(0); // the race was real: the folder was moved while being written
      // The capture went into the folder root created, wherever the attacker moved it; they cannot read it.
      const moved = readdirSync(parent).filter((f) => f.startsWith("moved."));
      const home = [dir, ...moved.map((m) => join(parent, m))].find(
        (d) => !statSync(d).isSymbolicLink?.() && existsSync(join(d, "a.parquet")) && statSync(d).uid === 0,
      );
      expect(home).toBeDefined();
      expect(statSync(join(home!, "a.parquet")).mode & 0o777).toBe(0o600);
      expect(atk!.run(["cat", join(home!, "a.parquet")]).status).not.toBe(0);
    },
    30_000,
  );

  rootIt("writeParquet to a name the attacker planted as a symlink replaces the link, never the target", async () => {
    const dir = attackerFolder("planted-file");
    const path = join(dir, "frame.parquet");
    expect(atk!.run(["ln", "-s", victim, path]).status).toBe(0);
    expect(atk!.run(["ln", "-s", victim, join(dir, "tmp_frame.parquet")]).status).toBe(0);
    await writeParquet(intervalFrame("x", 0, 10), path);
    victimUntouched();
    expect(statSync(path).isFile()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  liveIt(
    "a swapped demo workload: the attacker's program never runs as root",
    async () => {
      if (!atk) throw new Error("needs root to create the attacker");
      const parent = attackerFolder("demo");
      const out = join(parent, "out");
      const pwned = join(root, `pwned-${process.pid}`);
      const payload = join(parent, "payload");
      writeFileSync(payload, `#!/bin/sh\ntouch ${pwned}\n`, { mode: 0o755 });
      execFileSync("chown", [`${atk.uid}:${atk.gid}`, payload]);
      // Swap every place the workload could be run from: the old link in the output folder, the folder itself,
      // and any bpflab-demo-* folder in /run or the temp folder they can reach; for as long as the demo runs
      // (a busy machine makes it slower, and the race must cover the moment it starts its workload).
      const script = `
        while :; do
          ln -sf ${payload} ${out}/planted-anomaly 2>/dev/null
          if [ -d ${out} ] && [ ! -L ${out} ]; then mv ${out} ${parent}/moved-$SECONDS 2>/dev/null && mkdir -p ${out} && ln -sf ${payload} ${out}/planted-anomaly; fi
          for d in /run/bpflab-demo-* ${tmpdir()}/bpflab-demo-*; do ln -sf ${payload} $d/planted-anomaly 2>/dev/null; done
          sleep 0.01
        done`;
      const child = atk.start(script);
      // Not spawnSync: the demo's time depends on the machine's load, so it gets the test's whole timeout
      // (vitest's clock keeps running) instead of a kill of its own that would look like a failed demo.
      const demo = spawn(
        process.execPath,
        ["--import", "tsx", join(__dirname, "../../kernel/cli/main.ts"), "demo", "--out", out, "--duration", "6s"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      demos.push(demo);
      let output = "";
      demo.stdout.on("data", (d) => (output += String(d)));
      demo.stderr.on("data", (d) => (output += String(d)));
      const code = await new Promise<number | null>((r) => demo.on("exit", r));
      child.kill("SIGKILL");
      expect(code, output).not.toBeNull(); // it ended by itself
      expect(existsSync(pwned)).toBe(false);
      // The demo either ran from its private copy (and saw the planted process) or refused the swapped folder.
      expect(output).toMatch(/FOUND|NOT FOUND|bpflab: /);
      victimUntouched();
    },
    150_000,
  );
});

// Interrupting the kernel during `await live(...)` in a real tslab kernel (jupyter_client, SIGINT as Jupyter's stop
// button sends it): the cell completes, the capture keeps its data, the kernel holds no BPF object afterwards, and
// tslab's own interrupt works again. The Python side is interrupt-kernel.py.

import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, expect } from "vitest";
import { liveIt } from "../helpers/live.js";
import { notebookSetupProblem, PYTHON, ROOT } from "./notebook-exec.js";

const run = promisify(execFile);

interface CellReport { status: string; stdout: string; stderr: string; displays: number; updates: number; display_ids?: number; last_display: string; seconds?: number; reply_after_interrupt_s?: number }
interface Report {
  kernel_pid: number;
  import: CellReport;
  live: CellReport;
  fds_during: { link: number[]; prog: number; map: number };
  fds_after: { link: number[]; prog: number; map: number };
  result: CellReport;
  after: CellReport;
  plain: CellReport;
  plain_fds_after: { link: number[]; prog: number; map: number };
  plain_result: CellReport;
  alive: boolean;
}

let setupProblem: string | undefined;
beforeAll(async () => {
  setupProblem = await notebookSetupProblem();
  if (setupProblem && process.env["CI"] === "true") throw new Error(`notebooks cannot run: ${setupProblem}`);
});

liveIt("interrupting the kernel stops live(), keeps the data, detaches everything and restores tslab's interrupt", async (ctx) => {
  if (setupProblem) return ctx.skip(setupProblem);
  const { stdout } = await run(PYTHON, [join(__dirname, "interrupt-kernel.py"), ROOT, "3"],
    { env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", PYTHONWARNINGS: "ignore" }, timeout: 240_000, maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout) as Report;
  expect(r.import.status).toBe("ok");

  // The cell ends normally soon after the interrupt, long before its 60 s, with the final panel in place.
  expect(r.live.status).toBe("ok");
  expect(r.live.stderr).toBe("");
  expect(r.live.reply_after_interrupt_s!).toBeLessThan(5);
  expect(r.live.display_ids).toBe(1); // one output...
  expect(r.live.displays).toBe(1);
  expect(r.live.updates).toBeGreaterThanOrEqual(2); // ...refreshed in place
  expect(r.live.last_display).toMatch(/interrupted after [\d.]+ of 60\.0 s: the data captured so far is kept/);

  // While capturing, the kernel held the sched programs' links; after the interrupt it holds no BPF object.
  expect(r.fds_during.link.length).toBeGreaterThan(0);
  expect(r.fds_after).toEqual({ link: [], prog: 0, map: 0 });
  const links = JSON.parse(execFileSync("bpftool", ["link", "list", "-j"], { encoding: "utf8" }) || "[]") as { id: number }[];
  const stillThere = links.map((l) => l.id).filter((id) => r.fds_during.link.includes(id));
  expect(stillThere).toEqual([]);

  // The capture kept ~3 s of data.
  expect(r.result.status).toBe("ok");
  const kept = JSON.parse(r.result.stdout) as { interrupted: boolean; elapsedMs: number; rows: number; maxT: number };
  expect(kept.interrupted).toBe(true);
  expect(kept.elapsedMs).toBeGreaterThan(1500);
  expect(kept.elapsedMs).toBeLessThan(10_000);
  expect(kept.rows).toBeGreaterThan(0);
  expect(kept.maxT).toBeGreaterThanOrEqual(1);

  // After live() returned, an interrupt is tslab's again: it abandons a sleeping cell with its own error.
  expect(r.after.status).toBe("error");
  expect(r.after.stderr).toContain("Interrupted asynchronously");
  expect(r.after.seconds!).toBeLessThan(10);

  // A plain `await capture(...)` cell is interrupted the same way: it completes, with the data, and detached.
  expect(r.plain.status).toBe("ok");
  expect(r.plain.reply_after_interrupt_s!).toBeLessThan(5);
  expect(r.plain_fds_after).toEqual({ link: [], prog: 0, map: 0 });
  const plain = JSON.parse(r.plain_result.stdout) as { interrupted: boolean; elapsedMs: number; rows: number };
  expect(plain.interrupted).toBe(true);
  expect(plain.elapsedMs).toBeLessThan(10_000);
  expect(plain.rows).toBeGreaterThan(0);
  expect(r.alive).toBe(true);
}, 300_000);

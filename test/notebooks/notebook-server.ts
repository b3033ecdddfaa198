// A classic Jupyter Notebook server on 127.0.0.1 with a random token, for checking executed notebooks the way a
// user opens them. Its data and runtime dirs are temporary, so trusting notebooks touches no user state.

import { ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PYTHON } from "./notebook-exec.js";

const run = promisify(execFile);

export interface NotebookServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  token: string;
  /** URL that opens a notebook of the served folder. */
  notebookUrl(name: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

/**
 * Signs the notebooks as trusted (so their HTML outputs may run scripts, as for a notebook the user executed)
 * and serves `dir` with the classic Notebook. Call `stop()` to end the server and its kernels.
 */
export async function startNotebookServer(dir: string, trust: string[]): Promise<NotebookServer> {
  const home = mkdtempSync(join(tmpdir(), "bpflab-jupyter-"));
  const env = {
    ...process.env, JUPYTER_DATA_DIR: join(home, "data"), JUPYTER_RUNTIME_DIR: join(home, "runtime"),
    JUPYTER_CONFIG_DIR: join(home, "config"), PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  if (trust.length) await run(PYTHON, ["-m", "nbformat.sign", ...trust], { env });
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const child: ChildProcess = spawn(PYTHON, ["-m", "notebook", "--no-browser", "--allow-root",
    "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`,
    `--notebook-dir=${dir}`], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d) => { log += String(d); });
  child.stderr?.on("data", (d) => { log += String(d); });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise<void>((r) => {
        const t = setTimeout(() => { child.kill("SIGKILL"); r(); }, 10_000);
        child.once("exit", () => { clearTimeout(t); r(); });
      });
    }
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`jupyter notebook exited with ${child.exitCode}:\n${log.slice(-2000)}`);
    }
    try {
      const r = await fetch(`${origin}/api/status?token=${token}`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jupyter notebook did not answer within 60 s:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    origin, token, stop,
    notebookUrl: (name) => `${origin}/notebooks/${encodeURIComponent(name)}?token=${token}`,
  };
}

// Tracers a benchmark runs beside a workload: a bpflab capture in this process, or an external tool.

import { spawn, ChildProcess } from "node:child_process";
import { capture } from "../kernel/capture/engine.js";
import type { Capture } from "../kernel/capture/capture.js";
import type { CaptureOptions } from "../kernel/capture/plan.js";

/** A tracer running while a workload is measured: start() resolves once it is attached; stop() ends it. */
export interface Tracer {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** An external tool that prints `ready` (a regexp) on stdout or stderr once attached; SIGINT ends it. */
export function externalTool(name: string, cmd: string, args: string[], ready: RegExp): Tracer {
  let child: ChildProcess | undefined;
  return {
    name,
    start: () =>
      new Promise((resolve, reject) => {
        // stdbuf: the tools printf their banner, which stdio holds back when stdout is a pipe
        child = spawn("stdbuf", ["-oL", "-eL", cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let seen = "";
        const onData = (d: Buffer) => {
          seen += d.toString();
          if (ready.test(seen)) setTimeout(resolve, 200);
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
        child.once("exit", (code) =>
          reject(new Error(`${name} exited (${code}) before attaching: ${seen.slice(0, 300)}`)),
        );
        setTimeout(() => reject(new Error(`${name} did not attach in 30 s: ${seen.slice(0, 300)}`)), 30_000);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!child || child.exitCode !== null) return resolve();
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        child.kill("SIGINT");
        setTimeout(() => child?.kill("SIGKILL"), 5000);
      }),
  };
}

/** A bpflab capture in this process (whole system unless `extra` filters it), attached once its first interval
 * was drained; `stop` ends it and hands `parse` the capture. */
export function bpflabCapture<T>(
  name: string,
  collectors: CaptureOptions["collectors"],
  parse: (cap: Capture) => T,
  extra: Partial<CaptureOptions> = {},
): { name: string; start(): Promise<void>; stop(): Promise<T> } {
  let ac: AbortController | undefined;
  let done: Promise<Capture> | undefined;
  return {
    name,
    start: () =>
      new Promise((resolve, reject) => {
        ac = new AbortController();
        let started = false;
        done = capture({
          ...extra,
          collectors,
          duration: "10m",
          interval: "1s",
          signal: ac.signal,
          handleSignals: false,
          onInterval: () => {
            if (!started) {
              started = true;
              resolve();
            }
          },
        });
        done.catch(reject);
      }),
    stop: async () => {
      ac?.abort();
      return parse(await done!);
    },
  };
}

/** A whole-system bpflab capture in this process, attached once its first interval was drained. */
export function bpflab(name: string, collectors: Record<string, Record<string, unknown>>): Tracer {
  return bpflabCapture(name, collectors, () => undefined);
}

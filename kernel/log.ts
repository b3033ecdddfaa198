// The library's logger: warnings always go to stderr, debug lines only with BPFLAB_DEBUG=1 or setVerbose(true).

export type LogLevel = "warn" | "info" | "debug";

let verbose = process.env.BPFLAB_DEBUG === "1";
let sink: (level: LogLevel, msg: string) => void = (level, msg) => {
  process.stderr.write(`bpflab ${level}: ${msg}\n`);
};

export function setVerbose(on: boolean): void {
  verbose = on;
}

/** Replaces where log lines go (tests and notebooks collect them). Returns the previous sink. */
export function setLogSink(fn: (level: LogLevel, msg: string) => void): (level: LogLevel, msg: string) => void {
  const prev = sink;
  sink = fn;
  return prev;
}

export const log = {
  warn(msg: string): void {
    sink("warn", msg);
  },
  info(msg: string): void {
    if (verbose) sink("info", msg);
  },
  debug(msg: string): void {
    if (verbose) sink("debug", msg);
  },
};

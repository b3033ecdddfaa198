// SIGINT/SIGTERM during a capture: they end the capture (keeping its data) instead of the process or cell.

type Listener = (...args: unknown[]) => void;

/**
 * Routes SIGINT and SIGTERM to `stop` until the returned function is called. SIGINT listeners already there
 * are suspended meanwhile and put back after: in a tslab kernel that is tslab's own, which would abandon the
 * running cell and with it the capture's result. Ours is added before theirs go, so a signal never meets no
 * listener (which would kill the process).
 *
 * Call it after the first `await` of an async function: tslab runs a cell's synchronous part under vm's
 * breakOnSigint, which hides the process's SIGINT listeners and resets the OS handler when that part ends.
 */
export function takeSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  const onSignal = (sig: NodeJS.Signals) => stop(sig);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const saved = process.listeners("SIGINT").filter((l) => l !== onSignal) as Listener[];
  for (const l of saved) process.off("SIGINT", l);
  return () => {
    for (const l of saved) if (!process.listeners("SIGINT").includes(l)) process.on("SIGINT", l);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

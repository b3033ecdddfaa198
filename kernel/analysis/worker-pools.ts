// Kernel worker pools: threads that run work queued by anyone, so one worker's windows are not its own behaviour.

/**
 * The pool a thread name belongs to, or undefined. Workqueue workers (kworker/0:1, kworker/u8:3, kworker/1:1H)
 * take whichever work item is next, for any process (writeback of everyone's dirty pages, deferred I/O
 * completion): what worker 3 did in one window, worker 5 may do in the next, so a worker is compared with the pool,
 * never with its own past.
 */
export function poolOf(comm: string): string | undefined {
  return /^kworker\//.test(comm) ? "kworker" : undefined;
}

/** Peer names with pool workers renamed to their pool. */
export function poolPeers(comms: readonly string[]): string[] {
  return comms.map((c) => poolOf(c) ?? c);
}

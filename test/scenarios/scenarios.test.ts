// Each scenario, run for real on a short seed: the injection happened, into the labelled process, and moved
// the signal its label names by the amount the injector reports; nothing it started is left behind.

import { availableParallelism as cpus } from "node:os";
import { afterEach, beforeAll, describe, expect } from "vitest";
import { liveIt } from "../helpers/live.js";
import {
  at,
  before,
  inside,
  leftovers,
  machineOncpu,
  mean,
  outside,
  runShort,
  scratchDirs,
  seedFor,
  sumAt,
  total,
  touching,
} from "./helpers.js";

const ms = 1e6;
let dirsBefore: string[] = [];

describe("scenarios, live", () => {
  beforeAll(() => {
    dirsBefore = scratchDirs();
  });
  afterEach(() => {
    // every process a scenario starts is gone when it returns, and so is its scratch directory
    expect(leftovers()).toEqual([]);
    expect(scratchDirs()).toEqual(dirsBefore);
  });

  liveIt("cpu-hog (new process): on CPU or runnable all the labelled time, absent outside it", async () => {
    const r = await runShort("cpu-hog", seedFor("cpu-hog", "new"));
    const l = r.label("anomaly");
    expect(l.new_process).toBe(true);
    expect(l.comm).toBe("cpu-hog");
    expect(l.start_s).toBeCloseTo(r.plan.injectAtS!, 0);
    const on = r.series(l.pid, "sched:oncpu_ns");
    const rq = r.series(l.pid, "sched:runq_ns");
    // a spinner never blocks: all its life (the label) it is on a CPU or waiting for one; a wait is charged when
    // it ends, so the sum is over the windows the label touches
    const life = l.end_s - l.start_s;
    const runnable = sumAt(on, touching(l, on.length)) + sumAt(rq, touching(l, on.length));
    expect(runnable / 1e9).toBeGreaterThan(0.95 * life);
    // and no more than the process's whole life in the kernel, from its fork to its exit (the label is its spinning,
    // from the start it reports to the end it reports: its start-up, and its exit after the kill, which a loaded
    // machine makes wait in the run queue, lie outside it; a CI run saw 54 ms of them)
    const proc = r.cap.frame("process");
    const ev = proc.strings("event"),
      pids = proc.numeric("pid"),
      ts = proc.numeric("t_s");
    const at = (e: string) => [...Array(proc.length).keys()].find((i) => pids[i] === l.pid && ev[i] === e);
    const born = at("fork") ?? at("exec"),
      died = at("exit");
    expect(born).toBeDefined();
    expect(died).toBeDefined();
    expect(ts[born!]!).toBeLessThanOrEqual(l.start_s);
    expect(runnable / 1e9).toBeLessThan(ts[died!]! - ts[born!]! + 0.01);
    expect(runnable / 1e9).toBeLessThan(life + 0.5);
    // and it gets at least 0.8 s/s, unless the rest of the machine left less than that free
    const win = inside(l, on.length);
    expect(win.length).toBeGreaterThanOrEqual(2);
    const busy = machineOncpu(r.cap);
    const free = win.reduce((a, w) => a + cpus() * 1e9 - (busy[w]! - on[w]!), 0);
    expect(sumAt(on, win)).toBeGreaterThan(Math.min(0.8e9 * win.length, free - 0.1e9 * win.length));
    for (const w of outside(l, on.length)) expect(on[w]).toBe(0);
  });

  liveIt("memory-leak: resident memory climbs window after window by about the mapped bytes", async () => {
    const r = await runShort("memory-leak", seedFor("memory-leak", "new"));
    const l = r.label("anomaly");
    const rss = r.series(l.pid, "memory:rss_max_bytes");
    const win = inside(l, rss.length);
    const peaks = at(rss, win);
    for (let i = 1; i < peaks.length; i++) expect(peaks[i]!).toBeGreaterThan(peaks[i - 1]!);
    expect(Math.max(...peaks)).toBeGreaterThan(0.6 * l.magnitude);
    expect(l.magnitude).toBeGreaterThan(20 * 2 ** 20);
    expect(total(r.series(l.pid, "memory:page_faults"))).toBeGreaterThan((0.9 * l.magnitude) / 4096);
  });

  liveIt("fork-storm: the process frame counts exactly the forks the injector made", async () => {
    const r = await runShort("fork-storm", seedFor("fork-storm", "running"));
    const l = r.label("anomaly");
    expect(l.magnitude).toBeGreaterThan(50);
    expect(total(r.series(l.pid, "process:fork count"))).toBe(l.magnitude);
    expect(total(r.series(l.pid, "process:exit count"))).toBe(l.magnitude);
    const forks = r.series(l.pid, "process:fork count");
    for (const w of outside(l, forks.length)) expect(forks[w]).toBe(0);
  });

  liveIt("syscall-storm: exactly the number of calls the injector made, with their errors", async () => {
    const r = await runShort("syscall-storm", seedFor("syscall-storm", "new"));
    const l = r.label("anomaly");
    const name = l.signal.split(":")[1]!.split(" ")[0]!;
    expect(["getppid", "faccessat", "kill"]).toContain(name);
    expect(total(r.series(l.pid, `syscalls:${name} count`))).toBe(l.magnitude);
    expect(total(r.series(l.pid, `syscalls:${name} errors`))).toBe(name === "getppid" ? 0 : l.magnitude);
    expect(l.magnitude).toBeGreaterThan(100_000);
  });

  liveIt("disk-stall: fsync after every write, counted exactly, its latency charged to the writer", async () => {
    const r = await runShort("disk-stall", seedFor("disk-stall", "new"));
    const l = r.label("anomaly");
    expect(total(r.series(l.pid, "syscalls:fsync count"))).toBe(l.magnitude);
    const lat = r.series(l.pid, "syscalls:fsync latency_ns");
    // the writer does little else than wait for fsync: most of each labelled window
    for (const w of inside(l, lat.length)) expect(lat[w]! / ms).toBeGreaterThan(300);
    // and the disk collector charges the writes to it (its blocks, in 4 KiB pages; the journal is jbd2's)
    const block = Number(r.plan.injection!.args.block_kb) * 1024;
    const disk = r.series(l.pid, "disk:write bytes");
    expect(sumAt(disk, touching(l, disk.length))).toBeGreaterThan(0.5 * l.magnitude * block);
    expect(l.signals).toContain("disk:write bytes up");
  });

  liveIt("network-burst: the sender's and the receiver's bytes are exactly the bytes sent", async () => {
    const r = await runShort("network-burst", seedFor("network-burst", "new"));
    const [tx, rx] = r.labels;
    expect(tx!.comm).toBe("net-blaster");
    expect(rx!.comm).toBe("net-sink");
    expect(tx!.magnitude).toBeGreaterThan(50 * 2 ** 20);
    expect(total(r.series(tx!.pid, "net:inet tx_bytes"))).toBe(tx!.magnitude);
    expect(total(r.series(rx!.pid, "net:inet rx_bytes"))).toBe(tx!.magnitude);
    // and nothing else: the runner talks to its processes through files, not sockets
    expect(total(r.series(tx!.pid, "net:tx_bytes"))).toBe(tx!.magnitude);
  });

  liveIt("network-burst (running api-client): the upload is on top of its normal requests", async () => {
    const r = await runShort("network-burst", seedFor("network-burst", "running"));
    const [client, server] = r.labels;
    expect([client!.comm, server!.comm]).toEqual(["api-client", "api-server"]);
    const tx = r.series(client!.pid, "net:tx_bytes");
    const rx = r.series(server!.pid, "net:rx_bytes");
    const win = touching(client!, tx.length);
    // every burst byte falls in a window the label touches, with the client's normal requests besides
    expect(mean(at(tx, win)) * win.length).toBeGreaterThanOrEqual(client!.magnitude);
    expect(mean(at(rx, win)) * win.length).toBeGreaterThanOrEqual(client!.magnitude);
    expect(mean(at(tx, outside(client!, tx.length)))).toBeLessThan(0.05 * (client!.magnitude / win.length));
  });

  liveIt("blocked: the worker has no CPU time while it waits for the lock (the silence case)", async () => {
    const r = await runShort("blocked", seedFor("blocked", "new"));
    const worker = r.label("anomaly");
    expect(worker.comm).toBe("queue-worker");
    expect(r.label("cause").comm).toBe("lock-holder");
    const on = r.series(worker.pid, "sched:oncpu_ns");
    const win = inside(worker, on.length);
    expect(win.length).toBeGreaterThanOrEqual(1);
    for (const w of win) expect(on[w]).toBe(0);
    expect(mean(at(on, before(worker)))).toBeGreaterThan(0); // it did work before
    // the flock that blocked returns at the end, having waited all the labelled time
    const lat = r.series(worker.pid, "syscalls:flock max_latency_ns");
    expect(Math.max(...lat) / 1e9).toBeGreaterThan(0.95 * (worker.end_s - worker.start_s));
  });

  liveIt("noisy-neighbour: the pinned worker waits longer in the run queue while the hogs share its CPU", async () => {
    const r = await runShort("noisy-neighbour", seedFor("noisy-neighbour", "new"));
    const victim = r.label("anomaly");
    const hog = r.label("cause");
    expect(victim.comm).toBe("pinned-worker");
    const rq = r.series(victim.pid, "sched:runq_ns");
    const on = r.series(victim.pid, "sched:oncpu_ns");
    const win = inside(victim, rq.length);
    // the hogs outweigh it on its CPU: it gets much less CPU than its loop asks for, and waits longer (how much
    // longer depends on how busy the rest of the machine already kept it)
    expect(mean(at(on, win))).toBeLessThan(0.6 * mean(at(on, before(victim))));
    expect(mean(at(rq, win))).toBeGreaterThan(mean(at(rq, before(victim))));
    const hogOn = r.series(hog.pid, "sched:oncpu_ns");
    expect(mean(at(hogOn, win))).toBeGreaterThan(2 * mean(at(on, win)));
  });

  liveIt("redis-blocked: redis-server's main thread does nothing during DEBUG SLEEP", async () => {
    const r = await runShort("redis-blocked", seedFor("redis-blocked", "new"));
    const redis = r.label("anomaly");
    expect(redis.comm).toBe("redis-server");
    expect(redis.end_s - redis.start_s).toBeCloseTo(r.plan.lengthS!, 1);
    const ep = r.series(redis.pid, "syscalls:epoll_wait count");
    const win = inside(redis, ep.length);
    expect(win.length).toBeGreaterThanOrEqual(1);
    for (const w of win) expect(ep[w]).toBe(0);
    expect(mean(at(ep, before(redis)))).toBeGreaterThan(10);
    const on = r.series(redis.pid, "sched:oncpu_ns");
    for (const w of win) expect(on[w]! / ms).toBeLessThan(2); // its other threads idle too
    const cause = r.label("cause");
    expect(Math.max(...r.series(cause.pid, "syscalls:read max_latency_ns")) / 1e9).toBeGreaterThan(
      0.95 * r.plan.lengthS!,
    );
  });

  liveIt("redis-keys-storm: redis-server's CPU time rises with the KEYS scans, replies carry every key", async () => {
    const r = await runShort("redis-keys-storm", seedFor("redis-keys-storm", "running"));
    const redis = r.label("anomaly");
    const on = r.series(redis.pid, "sched:oncpu_ns");
    expect(redis.magnitude).toBeGreaterThanOrEqual(2);
    // each KEYS * walks all the keys on the main thread: at least 5 ms of CPU per call over 100,000 keys
    const near = touching(redis, on.length);
    const extra = sumAt(on, near) - near.length * mean(at(on, before(redis)));
    expect(extra).toBeGreaterThan(redis.magnitude * 5 * ms);
    const keys = r.plan.baseline.redisKeys;
    // each reply lists every key, and the shortest ("$5\r\nkey:0\r\n") takes 11 bytes
    expect(total(r.series(redis.pid, "net:tx_bytes"))).toBeGreaterThan(redis.magnitude * keys * 11);
  });

  liveIt("redis-memory-growth: redis-server's resident memory grows by about the bytes stored", async () => {
    const r = await runShort("redis-memory-growth", seedFor("redis-memory-growth", "new"));
    const redis = r.label("anomaly");
    const rss = r.series(redis.pid, "memory:rss_max_bytes");
    const start = Math.max(...at(rss, before(redis)).filter(Number.isFinite));
    const peak = Math.max(...[...rss].filter(Number.isFinite));
    expect(peak - start).toBeGreaterThan(0.7 * redis.magnitude);
    expect(total(r.series(redis.pid, "net:rx_bytes"))).toBeGreaterThan(redis.magnitude);
  });

  liveIt("redis-aof-stall: with appendfsync always redis-server fsyncs per write, on its main thread", async () => {
    const r = await runShort("redis-aof-stall", seedFor("redis-aof-stall", "running"));
    const redis = r.label("anomaly");
    const fs = r.series(redis.pid, "syscalls:fdatasync count");
    expect(mean(at(fs, before(redis)))).toBeLessThanOrEqual(2); // everysec: a background fsync per second
    // the writer waits for each reply, and each reply waits for an fsync: about one per SET
    expect(sumAt(fs, touching(redis, fs.length))).toBeGreaterThan(0.8 * redis.magnitude);
    expect(redis.magnitude).toBeGreaterThan(50);
    for (const w of inside(redis, fs.length)) expect(fs[w]!).toBeGreaterThan(10);
  });

  liveIt("lock-contention: threads of one process wait on one kernel lock, their calls slow down", async () => {
    const r = await runShort("lock-contention", seedFor("lock-contention", "new"));
    const l = r.label("anomaly");
    expect(l.comm).toBe("lock-storm");
    const call = r.plan.injection!.args.mode === "mmap" ? "munmap" : "rename";
    const n = total(r.series(l.pid, `syscalls:${call} count`));
    const lat = total(r.series(l.pid, `syscalls:${call} latency_ns`));
    expect(n).toBeGreaterThanOrEqual(l.magnitude); // one call per op at least (mmap mode: two)
    // waiting for the lock its threads sleep (off CPU inside the call, which an uncontended mmap or rename
    // never does): more than a thread-second per second between them, and each call takes tens of µs
    const off = r.series(l.pid, "sched:offcpu_ns");
    expect(mean(at(off, inside(l, off.length)))).toBeGreaterThan(1e9);
    expect(lat / n).toBeGreaterThan(20_000);
    // and the locks collector sees the waits themselves, on the lock they are for
    const waits = r.series(l.pid, "locks:wait_ns");
    expect(l.signal).toBe("locks:wait_ns");
    expect(mean(at(waits, inside(l, waits.length)))).toBeGreaterThan(0.2e9);
    for (const w of outside(l, waits.length)) expect(waits[w]).toBe(0);
  });

  liveIt("oom-kill: the process grows to its cgroup's limit and the OOM killer ends it (137)", async () => {
    const r = await runShort("oom-kill", 1);
    const l = r.label("anomaly");
    expect(l.comm).toBe("oom-victim");
    const f = r.cap.frame("process");
    const ev = f.strings("event");
    const pid = f.numeric("pid");
    const code = f.numeric("exit_code");
    const exits = [...Array(f.length).keys()].filter((i) => pid[i] === l.pid && ev[i] === "exit");
    expect(exits.map((i) => code[i])).toEqual([137]); // SIGKILL
    expect(l.end_s).toBe(f.numeric("t_s")[exits[0]!]); // the label ends at its death
    expect(l.signal).toBe("signals:oom_kill count");
    expect(total(r.series(l.pid, "signals:oom_kill count"))).toBe(1); // the signals collector saw the OOM kill
    const rss = r.series(l.pid, "memory:rss_max_bytes");
    const peak = Math.max(...[...rss].filter(Number.isFinite));
    expect(peak).toBeGreaterThan(0.8 * l.magnitude); // it reached about the limit
    expect(peak).toBeLessThan(1.1 * l.magnitude);
  });

  liveIt("baseline: nothing injected, no labels, the normal load runs", async () => {
    const r = await runShort("baseline", 3);
    expect(r.labels).toEqual([]);
    expect(r.cap.frame("labels").length).toBe(0);
    const comms = new Set(r.cap.frame("sched").strings("comm"));
    for (const c of ["batch-job", "api-server", "api-client", "app-logger", "queue-worker", "pinned-worker"])
      expect(comms).toContain(c);
    expect([...comms].some((c) => c.startsWith("redis-server"))).toBe(true);
  });
});

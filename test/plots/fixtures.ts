// Small frames with a known answer, shaped like the collectors' output (see notes on "sched" and "syscalls").

import { Frame } from "../../kernel/frame/frame.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";

/**
 * A "sched" frame of 10 one-second intervals: "busy" (pid 100, two threads at 0.3 s each per interval = 60% of
 * one CPU), "mid" (pid 200, 0.1 s = 10%), "idle" (pid 300, 1 ms = 0.1%), and "spike" (pid 400) on-CPU only in
 * interval 5 for 0.9 s.
 */
export function schedFrame(): Frame {
  const schema = [
    { name: "ts", type: "timestamp" as const, unit: "us since epoch" },
    { name: "t_s", type: "f64" as const, unit: "s" },
    { name: "pid", type: "u32" as const },
    { name: "tid", type: "u32" as const },
    { name: "comm", type: "str" as const },
    { name: "oncpu_ns", type: "i64" as const, unit: "ns" },
    { name: "runq_ns", type: "i64" as const, unit: "ns" },
  ];
  const b = new FrameBuilder(schema);
  const c = (n: string) => b.index(n);
  const add = (t: number, pid: number, tid: number, comm: string, on: number, rq: number) => {
    const r = b.beginRow();
    b.setNum(c("ts"), r, 1.7e15 + t * 1e6);
    b.setNum(c("t_s"), r, t);
    b.setNum(c("pid"), r, pid);
    b.setNum(c("tid"), r, tid);
    b.setStr(c("comm"), r, comm);
    b.setNum(c("oncpu_ns"), r, on);
    b.setNum(c("runq_ns"), r, rq);
  };
  for (let t = 0; t < 10; t++) {
    add(t, 100, 100, "busy", 0.3e9, 2e6);
    add(t, 100, 101, "busy", 0.3e9, 2e6);
    add(t, 200, 200, "mid", 0.1e9, 1e6);
    add(t, 300, 300, "idle", 1e6, 0);
    if (t === 5) add(t, 400, 400, "spike", 0.9e9, 5e6);
  }
  return b.finish("sched");
}

/** A "syscalls" frame: read 1000 calls (10 failed) at 2 µs, write 500 at 20 µs, openat 50 (25 failed) at 1 ms. */
export function syscallsFrame(): Frame {
  const schema = [
    { name: "t_s", type: "f64" as const },
    { name: "pid", type: "u32" as const },
    { name: "comm", type: "str" as const },
    { name: "syscall", type: "str" as const },
    { name: "count", type: "i64" as const },
    { name: "errors", type: "i64" as const },
    { name: "latency_ns", type: "i64" as const },
  ];
  const b = new FrameBuilder(schema);
  const rows: [number, number, string, string, number, number, number][] = [
    [0, 1, "a", "read", 600, 6, 600 * 2000],
    [1, 1, "a", "read", 400, 4, 400 * 2000],
    [0, 2, "b", "write", 500, 0, 500 * 20000],
    [1, 2, "b", "openat", 50, 25, 50 * 1e6],
  ];
  for (const [t, pid, comm, sc, n, e, lat] of rows) {
    const r = b.beginRow();
    b.setNum(0, r, t);
    b.setNum(1, r, pid);
    b.setStr(2, r, comm);
    b.setStr(3, r, sc);
    b.setNum(4, r, n);
    b.setNum(5, r, e);
    b.setNum(6, r, lat);
  }
  return b.finish("syscalls");
}

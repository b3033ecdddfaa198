"""Interrupts a live capture in a real tslab kernel, the way Jupyter's stop button does, and reports what happened.

Started by live-interrupt.test.ts with /usr/bin/python3 (Debian's jupyter_client). It starts the tslab kernel,
runs `await live(...)` in a cell, sends the kernel SIGINT (KernelManager.interrupt_kernel, as a front end does)
after AFTER_S seconds, waits for the cell's reply, reads the capture back in a second cell, and inspects the
kernel process's fds for BPF objects before and after. A last cell checks that tslab's own interrupt works
again once live() has returned. Prints one JSON object on stdout.

usage: interrupt-kernel.py REPO_ROOT AFTER_S
"""
import json
import os
import queue
import sys
import time

import jupyter_client


def bpf_fds(pid):
    """BPF objects the kernel process holds: {"link": [ids], "prog": n, "map": n}."""
    out = {"link": [], "prog": 0, "map": 0}
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if target == "anon_inode:bpf_link":
            link_id = None
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    for line in f:
                        if line.startswith("link_id:"):
                            link_id = int(line.split()[1])
            except OSError:
                pass
            out["link"].append(link_id)
        elif target == "anon_inode:bpf-prog":
            out["prog"] += 1
        elif target == "anon_inode:bpf-map":
            out["map"] += 1
    return out


def run_cell(kc, code, timeout, on_start=None):
    """Executes `code`; returns its reply status, stdout, stderr and the messages of outputs with a display id. on_start(kc) runs once the
    cell is sent, before its reply is awaited (the interrupt)."""
    msg_id = kc.execute(code)
    if on_start:
        on_start()
    stdout, stderr, displays, updates, ids = [], [], 0, 0, set()
    last_text = ""
    deadline = time.time() + timeout
    reply = None
    while time.time() < deadline:
        if reply is None:
            try:
                r = kc.get_shell_msg(timeout=0.2)
                if r["parent_header"].get("msg_id") == msg_id:
                    reply = r
            except queue.Empty:
                pass
        try:
            m = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            if reply is not None:
                break
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        t = m["msg_type"]
        if t == "stream":
            (stdout if m["content"]["name"] == "stdout" else stderr).append(m["content"]["text"])
        elif t in ("display_data", "update_display_data"):
            # The live panel is one output with a display id; plotly.js may arrive as another, id-less output.
            display_id = m["content"].get("transient", {}).get("display_id")
            if display_id:
                ids.add(display_id)
                displays += t == "display_data"
                updates += t == "update_display_data"
                last_text = m["content"]["data"].get("text/plain", last_text)
        elif t == "status" and m["content"]["execution_state"] == "idle" and reply is not None:
            break
    status = reply["content"]["status"] if reply else "timeout"
    return {"status": status, "stdout": "".join(stdout), "stderr": "".join(stderr),
            "displays": displays, "updates": updates, "display_ids": len(ids), "last_display": last_text}


def main():
    root, after_s = sys.argv[1], float(sys.argv[2])
    km = jupyter_client.KernelManager(kernel_name="tslab")
    km.start_kernel(cwd=root)
    kc = km.client()
    kc.start_channels()
    report = {}
    try:
        kc.wait_for_ready(timeout=120)
        pid = km.provisioner.process.pid
        report["kernel_pid"] = pid
        report["import"] = run_cell(kc, 'import { live, capture } from "bpflab";', 120)

        during = {}

        def interrupt_later():
            time.sleep(after_s)
            during.update(bpf_fds(pid))
            km.interrupt_kernel()
            during["interrupted_at"] = time.time()

        t0 = time.time()
        report["live"] = run_cell(
            kc, 'const cap = await live({ collectors: ["sched"], duration: "60s" });', 60, interrupt_later)
        report["live"]["seconds"] = time.time() - t0
        report["live"]["reply_after_interrupt_s"] = time.time() - during.pop("interrupted_at", time.time())
        report["fds_during"] = during
        report["fds_after"] = bpf_fds(pid)
        report["result"] = run_cell(kc, (
            'console.log(JSON.stringify({ interrupted: cap.meta.interrupted, elapsedMs: cap.meta.elapsedMs, '
            'rows: cap.frames["sched"].length, '
            'maxT: cap.frames["sched"].length ? Math.max(...cap.frames["sched"].numeric("t_s")) : -1 }));'), 60)

        # A plain `await capture(...)` (no live panel) is interrupted the same way: the cell ends with the data.
        # (Before the cell below that ends in an error: after an error the kernel aborts the next request.)
        plain = {}

        def interrupt_plain():
            time.sleep(after_s)
            km.interrupt_kernel()
            plain["at"] = time.time()

        report["plain"] = run_cell(kc, 'const cap2 = await capture({ collectors: ["sched"], duration: "60s" });', 60, interrupt_plain)
        report["plain"]["reply_after_interrupt_s"] = time.time() - plain.pop("at", time.time())
        report["plain_fds_after"] = bpf_fds(pid)
        report["plain_result"] = run_cell(kc, (
            'console.log(JSON.stringify({ interrupted: cap2.meta.interrupted, elapsedMs: cap2.meta.elapsedMs, '
            'rows: cap2.frames["sched"].length }));'), 60)
        # tslab's own interrupt must work again: a plain sleeping cell ends with its "Interrupted" error.
        def interrupt_soon():
            time.sleep(1.5)
            km.interrupt_kernel()

        t1 = time.time()
        report["after"] = run_cell(kc, "await new Promise((r) => setTimeout(r, 30000));", 40, interrupt_soon)
        report["after"]["seconds"] = time.time() - t1
        report["alive"] = km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()

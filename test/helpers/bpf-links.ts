// Whether a process holds BPF links: the CLI and flight-recorder tests wait for a capture to be attached.

import { readdirSync, readlinkSync } from "node:fs";

/** True when process `pid` holds a BPF link (its probes are attached). */
export function holdsBpfLinks(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).includes("bpf_link");
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

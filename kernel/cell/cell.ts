// bpf({ name, source }): a collector written in a notebook cell. Its BPF C is compiled at run time (see
// cell-compile.ts), its maps become frames from their BTF types (cell-frames.ts), and the result is a Collector
// that capture() takes like a built-in. Loaded once here to run the verifier, then closed: nothing stays loaded.

import { BpflabError, OptionError, VerifierError } from "../errors.js";
import { collectors as registry } from "../collectors/registry.js";
import { defineCollector, Collector } from "../collectors/schema.js";
import { Btf } from "../loader/btf.js";
import { BpfObject } from "../loader/bpf-object.js";
import { missingCapabilities } from "../loader/preflight.js";
import { CollectorSession } from "../capture/collector-session.js";
import { inNotebook, show } from "../plots/display.js";
import { log } from "../log.js";
import { BpfCompileError, CellVerifierError } from "./cell-errors.js";
import { compileCell } from "./cell-compile.js";
import { cellFrames, CellFrameOptions } from "./cell-frames.js";

export interface CellOptions extends CellFrameOptions {
  /** The collector's name (and its C file's, in messages): letters, digits, underscores. */
  name: string;
  /** BPF C: maps and programs (SEC("tp_btf/…"), SEC("tracepoint/…"), …). vmlinux.h, libbpf's headers and
   * bpflab's (tgid_wanted(), BPFLAB_RECORD()) are included before it. */
  source: string;
  /** One line for listings. */
  description?: string;
  /** Load it once now so the verifier's verdict comes here (default: when this process may load programs). */
  verify?: boolean;
}

/**
 * Compiles, checks and returns a collector written in BPF C. Each hash, per-CPU hash, LRU or array map becomes
 * a frame named after it (key and value fields as columns), read at every interval (with `drain`, deleted as
 * read); each ring buffer whose record the C names with BPFLAB_RECORD(ring, struct x) a frame of records.
 * A compile error or a verifier rejection throws with the offending line (and, in a notebook, shows the
 * source with that line highlighted); nothing stays loaded either way.
 *
 * @example
 *   const opens = await bpf({ name: "opens", source: `
 *     struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 10240);
 *              __type(key, u32); __type(value, u64); } opens SEC(".maps");
 *     SEC("tp_btf/sys_enter") int BPF_PROG(on_enter, struct pt_regs *regs, long id) {
 *       u32 pid = bpf_get_current_pid_tgid() >> 32; u64 one = 1, *n;
 *       if (id != 257 || !tgid_wanted(pid)) return 0;
 *       n = bpf_map_lookup_elem(&opens, &pid);
 *       if (n) __sync_fetch_and_add(n, 1); else bpf_map_update_elem(&opens, &pid, &one, BPF_NOEXIST);
 *       return 0; }` });
 *   const cap = await capture({ collectors: [opens, "sched"], duration: "10s" });
 */
export async function bpf(o: CellOptions): Promise<Collector> {
  try {
    return await makeCell(o);
  } catch (e) {
    // in a notebook, the listing with the line highlighted; the error itself still says it in text
    if (inNotebook() && (e instanceof BpfCompileError || e instanceof CellVerifierError)) show(e);
    throw e;
  }
}

async function makeCell(o: CellOptions): Promise<Collector> {
  if (!o || typeof o !== "object" || typeof o.source !== "string" || typeof o.name !== "string") {
    throw new OptionError("bpf() needs { name, source }", 'e.g. await bpf({ name: "opens", source: `...BPF C...` })');
  }
  const name = o.name;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new OptionError(`bad cell name ${JSON.stringify(name)}`, "use letters, digits and underscores, e.g. opens");
  }
  if (Object.hasOwn(registry, name)) {
    throw new OptionError(`cell name ${name} is a built-in collector's`, "name the cell something else");
  }
  const compiled = await compileCell(name, o.source);
  for (const w of compiled.warnings) log.warn(`cell ${name}, line ${w.line}: ${w.message}`);
  const btf = Btf.ofObject(compiled.path);
  const frames = cellFrames(name, btf, o);
  if (frames.length === 0) {
    throw new OptionError(
      `cell ${name} has no map to read`,
      "declare a hash or array map with __type(key, …) and __type(value, …), or a ring buffer with BPFLAB_RECORD(ring, struct x)",
    );
  }
  const programs = BpfObject.open(compiled.path, { name });
  let sections: string[];
  try {
    sections = programs.programs().map((p) => `${p.section} (${p.name})`);
  } finally {
    programs.close();
  }
  if (sections.length === 0) throw new OptionError(`cell ${name} has no program`, 'add one with SEC("tp_btf/…")');
  const collector = defineCollector({
    name,
    description: o.description ?? `written in a cell: ${frames.map((f) => f.name).join(", ")}`,
    object: name,
    objectPath: compiled.path,
    tracepoints: sections,
    frames,
  });
  if (o.verify ?? missingCapabilities().length === 0) verify(collector, o.source);
  return collector;
}

/** Opens and loads the object the way a capture does, then closes it: the verifier's verdict, nothing kept. */
function verify(collector: Collector, source: string): void {
  let session: CollectorSession | undefined;
  try {
    const opts = collector.resolveOptions({});
    session = CollectorSession.open(
      { collector, opts, frames: collector.framesFor(opts) },
      { filter: { tgid: 0, followChildren: false }, maxTracked: 1 },
    );
  } catch (e) {
    if (e instanceof VerifierError) throw new CellVerifierError(collector.name, source, e);
    if (e instanceof BpflabError) throw e;
    throw new BpflabError(`cell ${collector.name}: loading failed: ${(e as Error).message}`, "run with --verbose", {
      cause: e,
    });
  } finally {
    session?.close();
  }
}

// Error kinds of bpflab: each carries a `hint` that says what to do, and the original error as `cause`.

export class BpflabError extends Error {
  /** What the user can do about it, one sentence. */
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(hint ? `${message}\n  hint: ${hint}` : message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Not root and lacking CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN). */
export class PermissionError extends BpflabError {}

/** The kernel exposes no BTF (/sys/kernel/btf/vmlinux), so CO-RE objects cannot be relocated. */
export class BtfMissingError extends BpflabError {}

/** The verifier refused a program; `log` holds the whole verifier log, the message its last lines. */
export class VerifierError extends BpflabError {
  readonly log: string;
  constructor(message: string, log: string, options?: { cause?: unknown; hint?: string }) {
    const tail = log.trimEnd().split("\n").slice(-12).join("\n");
    super(
      `${message}\nverifier log (last lines):\n${tail}`,
      options?.hint ??
        "the program does not pass this kernel's verifier; run with BPFLAB_DEBUG=1 for libbpf's log and report it",
      options,
    );
    this.log = log;
  }
}

/** A program could not be attached to its tracepoint. */
export class AttachError extends BpflabError {}

/** A bad option: unknown collector, bad duration, missing pid, ... */
export class OptionError extends BpflabError {}

/** The command to trace does not exist or cannot be run: the CLI exits 127, as a shell does. */
export class CommandNotFoundError extends OptionError {
  readonly exitCode = 127;
}

/** A file that is not a bpflab capture or dataset, or is corrupt. */
export class DatasetError extends BpflabError {}

/** Input a detector cannot use: NaN/Inf, empty, constant column, mismatched columns. */
export class DetectorInputError extends BpflabError {}

/** A scenario could not be set up or run (a process it needs is missing, failed or did not get ready). */
export class ScenarioError extends BpflabError {}

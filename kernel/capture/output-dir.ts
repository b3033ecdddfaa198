// The output folder of a capture, checked before anything attaches and held open while it is written: no
// symlinks on the way, ours and not writable by others, a real file system with space, new or empty (or holding
// a capture that `force` replaces). Pairs with frame/safe-file.ts (private folders) and segment-writer.ts.

import { accessSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { mkdirSync, readlinkSync, realpathSync, rmdirSync, rmSync, statfsSync } from "node:fs";
import { resolve, sep } from "node:path";
import { DatasetError, OptionError } from "../errors.js";
import { DEFAULT_FILE_MODE, dirModeFor, fdPath, openDir, PRIVATE_PREFIX, PrivateDir } from "../frame/safe-file.js";
import { realPathOfFd } from "../frame/safe-file.js";
import { readParquetMetadataOn } from "../frame/parquet.js";
import { withDuckDB } from "../frame/duckdb-session.js";

export interface OutputOptions {
  /** Replace a capture already in the folder (CLI --force). A folder holding anything else is always refused. */
  force?: boolean;
  /** Mode of the files written (CLI --mode; default 0o600, folders get x wherever files get r). */
  mode?: number;
  /** Free bytes the file system must have for the first segment (default 16 MiB). */
  minFreeBytes?: number;
}

/** Key-value metadata key that marks a Parquet file as part of a capture (same as capture-files.ts's META_KEY). */
const META_KEY = "bpflab.meta";
/** Files a capture folder may hold besides `<collector>.parquet`: the demo's reports. */
const EXTRAS = new Set(["report.txt", "report.json", "labels.csv", "README.md"]);
/** Name of the file in every private folder saying which process writes it. */
export const OWNER_FILE = "owner.json";
const MIB = 1024 * 1024;

/**
 * Kernel file systems that hold no files (writing there hangs, fails oddly or changes kernel settings), by
 * statfs f_type (linux/magic.h).
 */
const SPECIAL_FS: Record<number, string> = {
  0x9fa0: "proc",
  0x62656572: "sysfs",
  0x64626720: "debugfs",
  0x74726163: "tracefs",
  0x73636673: "securityfs",
  0x27e0eb: "cgroup",
  0x63677270: "cgroup2",
  0xcafe4a11: "bpf",
  0x1cd1: "devpts",
  0x6165676c: "pstore",
  0x62656570: "configfs",
  0xde5e81e4: "efivarfs",
  0x65735543: "fusectl",
  0x19800202: "mqueue",
  0x42494e4d: "binfmt_misc",
  0xf97cff8c: "selinuxfs",
  0x6e736673: "nsfs",
  0x958458f6: "hugetlbfs",
};

/** Who writes a private folder: a live process (same pid and start time) means a capture in progress. */
export interface Owner {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22): tells pid reuse apart. */
  start: string;
}

export function currentOwner(): Owner {
  return { pid: process.pid, start: processStart(process.pid) ?? "" };
}

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True when the process that wrote `owner` still runs. */
export function ownerAlive(owner: Owner | undefined): boolean {
  return owner !== undefined && owner.start !== "" && processStart(owner.pid) === owner.start;
}

/** The owner recorded in a private folder (undefined when it has none or it is unreadable). */
export function readOwner(dirFd: number, name: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(fdPath(dirFd, `${name}/${OWNER_FILE}`), "utf8")) as Owner;
    return typeof o.pid === "number" && typeof o.start === "string" ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A capture folder held open (see prepareOutput). Files are written in private folders made inside it and renamed
 * in; paths go through the held fd, so renaming a folder above it cannot redirect a write.
 */
export class OutputDir {
  /** Absolute path of the folder. */
  readonly path: string;
  /** Mode of the files written. */
  readonly mode: number;
  readonly fd: number;
  /** True when prepareOutput created the folder. */
  readonly created: boolean;
  /** Entries of an earlier capture that `force` replaces; removeReplaced() deletes those not written anew. */
  readonly replaced: readonly string[];
  private closed = false;

  constructor(path: string, fd: number, mode: number, created: boolean, replaced: string[]) {
    this.path = path;
    this.fd = fd;
    this.mode = mode;
    this.created = created;
    this.replaced = replaced;
  }

  /** A new private folder inside, its first file saying which process writes it. */
  newPrivate(): PrivateDir {
    const dir = PrivateDir.create(this.fd);
    dir.writeFile(OWNER_FILE, JSON.stringify(currentOwner()) + "\n");
    return dir;
  }

  /** Writes a small file (report, labels) into the folder: exclusively in a private folder, then renamed in. */
  writeFile(name: string, data: string | Uint8Array): string {
    const tmp = this.newPrivate();
    try {
      tmp.writeFile(name, data, this.mode);
      tmp.publish(name, name);
    } finally {
      tmp.removeAll();
    }
    return `${this.path}/${name}`;
  }

  /** Bytes free for us on the folder's file system. */
  freeBytes(): number {
    const s = statfsSync(fdPath(this.fd));
    return s.bavail * s.bsize;
  }

  /** Deletes the entries of the replaced capture that are not in `keep` (names just written). */
  removeReplaced(keep: ReadonlySet<string>): void {
    for (const name of this.replaced) {
      if (keep.has(name)) continue;
      // rmSync never follows symlinks: a symlink planted meanwhile is removed itself, not its target.
      rmSync(fdPath(this.fd, name), { recursive: true, force: true });
    }
  }

  /** Gives the folder its final mode (folders bpflab made stay 0700 while written). */
  settle(): void {
    if (this.created) fchmodSync(this.fd, dirModeFor(this.mode));
  }

  /**
   * Undoes prepareOutput when nothing was written (the capture failed before its first file): removes the folder
   * if bpflab created it and it is still empty, and closes it. Anything written stays.
   */
  discard(): void {
    if (this.closed) return;
    try {
      const ino = fstatSync(this.fd).ino;
      if (this.created && readdirSync(fdPath(this.fd)).length === 0 && lstatSync(this.path).ino === ino) {
        rmdirSync(this.path);
      }
    } catch {
      // already gone or replaced: nothing of ours to remove
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * Validates and opens the output folder of a capture, before anything attaches. `dir` must be a new folder (it is
 * created, mode 0700 while written) or an existing empty one that this user owns and no one else may write; with
 * `force`, also one holding a bpflab capture, which is replaced when the new one is finished. Refused with an
 * OptionError and a hint: a path through a symlink (pass the resolved path), a file or FIFO, a folder of another
 * user, a kernel file system (/proc, /sys, ...), a read-only file system, less than `minFreeBytes` free.
 *
 * @example const out = await prepareOutput("/tmp/cap", { force: true }); ... out.close();
 */
export async function prepareOutput(dir: string, options: OutputOptions = {}): Promise<OutputDir> {
  const mode = checkMode(options.mode ?? DEFAULT_FILE_MODE);
  const abs = resolve(dir);
  const deepest = checkComponents(dir, abs);
  checkFileSystem(abs, deepest);
  let created = false;
  if (deepest !== abs) {
    checkWritable(deepest); // Node's recursive mkdir reports a read-only file system as ENOENT
    try {
      mkdirSync(abs, { recursive: true, mode: 0o700 });
      created = true;
    } catch (e) {
      throw new OptionError(
        `cannot create the output folder ${abs}: ${(e as Error).message}`,
        "pick a folder on a writable file system (or create it first)",
        { cause: e },
      );
    }
  }
  let fd: number;
  try {
    fd = openDir(abs);
  } catch (e) {
    throw new OptionError(
      `cannot open the output folder ${abs}: ${(e as Error).message}`,
      "it changed while bpflab was checking it (a symlink put in its place?); pass a folder only you can change",
      { cause: e },
    );
  }
  try {
    if (realPathOfFd(fd) !== abs) {
      throw new OptionError(
        `the output folder ${abs} resolves to ${realPathOfFd(fd)}: a symlink was put on the way`,
        `pass a folder only you can change, by its resolved path`,
      );
    }
    checkOwner(fd, abs, created);
    const replaced = await checkContents(fd, abs, options.force === true);
    const out = new OutputDir(abs, fd, mode, created, replaced);
    checkWritable(abs);
    const need = options.minFreeBytes ?? 16 * MIB;
    const free = out.freeBytes();
    if (free < need) {
      throw new DatasetError(
        `only ${(free / MIB).toFixed(1)} MiB free on the file system of ${abs}; a capture needs at least ` +
          `${(need / MIB).toFixed(0)} MiB for its first segment`,
        "free some space or write the capture to another file system (df -h shows what is free)",
      );
    }
    return out;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Opens an existing capture folder to finish a cut-off capture in it (`bpflab recover`): the same checks on the path
 * and owner as prepareOutput, but its contents stay (they are the capture).
 */
export function openOutputForRecovery(dir: string, mode = DEFAULT_FILE_MODE): OutputDir {
  const abs = resolve(dir);
  if (checkComponents(dir, abs) !== abs) {
    throw new OptionError(`no such folder: ${abs}`, "pass the folder a capture was written to (bpflab capture --out)");
  }
  const fd = openDir(abs);
  try {
    if (realPathOfFd(fd) !== abs) {
      throw new OptionError(
        `${abs} resolves to ${realPathOfFd(fd)}: a symlink was put on the way`,
        "pass the resolved path",
      );
    }
    checkOwner(fd, abs, false);
    return new OutputDir(abs, fd, checkMode(mode), false, []);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function checkMode(mode: number): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o600) !== 0o600) {
    throw new OptionError(
      `bad file mode ${Number.isInteger(mode) ? "0" + mode.toString(8) : String(mode)}`,
      "give an octal mode the owner can read and write, e.g. 600 (the default) or 640 (group may read)",
    );
  }
  return mode;
}

/** Parses a CLI mode ("600", "0640", "0o640"). */
export function parseMode(text: string): number {
  const m = /^(?:0o?)?([0-7]{3})$/.exec(text.trim());
  if (!m) throw new OptionError(`bad --mode ${text}`, "give three octal digits, e.g. --mode 600 or --mode 640");
  return checkMode(parseInt(m[1]!, 8));
}

/**
 * Checks every existing component of `abs` from the root down: none may be a symlink, each must be a folder.
 * Returns the deepest existing one.
 */
function checkComponents(given: string, abs: string): string {
  const parts = abs.split(sep).filter(Boolean);
  let path = "";
  let deepest = "/";
  for (let i = 0; i < parts.length; i++) {
    path += sep + parts[i];
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") break;
      throw new OptionError(`cannot check ${path}: ${(e as Error).message}`, "pick a folder you can reach", {
        cause: e,
      });
    }
    if (st.isSymbolicLink()) {
      let resolved: string;
      try {
        resolved = realpathSync(path) + abs.slice(path.length);
      } catch {
        resolved = `(${path} points to ${readlinkSync(path)}, which does not exist)`;
      }
      throw new OptionError(
        `the output folder ${given} goes through the symlink ${path}; bpflab does not follow symlinks it did not expect`,
        `pass the resolved path if you trust it: ${resolved}`,
      );
    }
    if (!st.isDirectory()) {
      const what = st.isFIFO() ? "a FIFO" : st.isFile() ? "a file" : "not a folder";
      throw new OptionError(
        i === parts.length - 1 ? `the output ${abs} is ${what}, not a folder` : `${path} is ${what}, not a folder`,
        "--out names a folder that bpflab creates (or an empty one), e.g. --out /tmp/cap-1",
      );
    }
    deepest = path;
  }
  return deepest;
}

function checkFileSystem(abs: string, deepest: string): void {
  const dev = abs === "/dev" || (abs.startsWith("/dev/") && !abs.startsWith("/dev/shm"));
  let kind: string | undefined = dev ? "devtmpfs" : undefined;
  try {
    kind ??= SPECIAL_FS[statfsSync(deepest).type];
  } catch {
    // statfs on a folder we could lstat does not fail in practice; the later steps report any real problem
  }
  if (kind) {
    throw new OptionError(
      `${abs} is on ${kind}, a kernel file system that holds no files`,
      "write the capture to a folder on a disk or tmpfs, e.g. --out /tmp/cap-1 or --out ./captures/run-1",
    );
  }
}

function checkOwner(fd: number, abs: string, created: boolean): void {
  const st = fstatSync(fd);
  const uid = process.geteuid?.() ?? st.uid;
  if (st.uid !== uid) {
    throw new OptionError(
      `the output folder ${abs} belongs to uid ${st.uid}, not to this user (uid ${uid})`,
      "another user could swap its files while bpflab writes them as you; name a new folder, bpflab creates it",
    );
  }
  if (created) {
    fchmodSync(fd, 0o700);
  } else if ((st.mode & 0o022) !== 0) {
    throw new OptionError(
      `the output folder ${abs} is writable by other users (mode ${(st.mode & 0o777).toString(8)})`,
      `name a new folder (bpflab creates it 0700), or chmod go-w ${abs}`,
    );
  }
}

function checkWritable(abs: string): void {
  try {
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new OptionError(
      `cannot write to ${abs}: ${(e as NodeJS.ErrnoException).code === "EROFS" ? "read-only file system" : (e as Error).message}`,
      "pick a folder on a writable file system",
      { cause: e },
    );
  }
}

/**
 * What the folder holds: nothing; a capture (bpflab Parquet files, reports, a private folder of a capture that was
 * cut off), which `force` may replace; or other files, always refused. Returns the entries `force` replaces.
 */
async function checkContents(fd: number, abs: string, force: boolean): Promise<string[]> {
  const entries = readdirSync(fdPath(fd)).sort();
  if (entries.length === 0) return [];
  const capture: string[] = [];
  const other: string[] = [];
  const cutOff: string[] = [];
  const parquet: string[] = [];
  for (const name of entries) {
    const st = lstatSync(fdPath(fd, name));
    if (name.startsWith(PRIVATE_PREFIX) && st.isDirectory()) {
      const owner = readOwner(fd, name);
      if (ownerAlive(owner)) {
        throw new OptionError(
          `a capture is being written to ${abs} right now (by pid ${owner!.pid})`,
          "wait for it to end or name another folder",
        );
      }
      cutOff.push(name);
      capture.push(name);
    } else if (st.isFile() && name.endsWith(".parquet")) {
      parquet.push(name);
    } else if (st.isFile() && (EXTRAS.has(name) || /\.parquet\.tmp-\d+-\d+$/.test(name))) {
      capture.push(name);
    } else {
      other.push(name);
    }
  }
  if (parquet.length) {
    await withDuckDB(async (con) => {
      for (const name of parquet) {
        const kv = await readParquetMetadataOn(con, `${abs}/${name}`).catch(() => ({}) as Record<string, string>);
        (kv[META_KEY] !== undefined ? capture : other).push(name);
      }
    });
  }
  if (other.length) {
    throw new OptionError(
      `the output folder ${abs} is not empty and holds files that are not a bpflab capture ` +
        `(${other.slice(0, 5).join(", ")}${other.length > 5 ? ", …" : ""})`,
      "name a new or empty folder; bpflab only replaces a capture it wrote (with --force)",
    );
  }
  if (!force) {
    const what = cutOff.length ? "a capture that was cut off" : "a capture";
    throw new OptionError(
      `the output folder ${abs} already holds ${what} (${capture.slice(0, 4).join(", ")})`,
      (cutOff.length ? `finish it with \`bpflab recover ${abs}\` and move it, or ` : "") +
        "pass --force (API: { force: true }) to replace it, or name a new folder",
    );
  }
  return capture;
}

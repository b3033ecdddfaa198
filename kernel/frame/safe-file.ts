// Files written safely as root: a private folder (mkdtemp, 0700) reached through a held directory fd, files
// created there exclusively without following symlinks, fsynced, then renamed into place. Pairs with parquet.ts
// (writeParquet) and capture/output-dir.ts (capture folders).

import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { DatasetError } from "../errors.js";

// libuv opens every file with O_CLOEXEC already, so no fd here leaks into a traced command.
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = constants;

/** Default mode of the files bpflab writes: they hold other users' command lines. */
export const DEFAULT_FILE_MODE = 0o600;

/** A folder's mode for files of `mode`: search (x) wherever the files are readable. */
export function dirModeFor(mode: number): number {
  return (mode | ((mode & 0o444) >> 2) | 0o700) & 0o777;
}

/**
 * Opens a directory without following a symlink in its last component; the fd pins that directory, so paths
 * built with fdPath reach it even if someone renames a folder on the way there.
 */
export function openDir(path: string): number {
  return openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
}

/** A path through /proc that reaches `name` inside the directory held open as `fd` (no path lookup above it). */
export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** The absolute path the kernel has for a held directory (what a user would pass to reach it). */
export function realPathOfFd(fd: number): string {
  return readlinkSync(fdPath(fd));
}

/** Names bpflab gives its private folders: a capture folder holding one is being written or was cut off. */
export const PRIVATE_PREFIX = ".bpflab-";

/** A file name without slashes, dots-only names or NUL: nothing that could leave its folder. */
function checkName(name: string): void {
  if (!name || name === "." || name === ".." || /[/\0]/.test(name)) {
    throw new Error(`bpflab: unsafe file name ${JSON.stringify(name)}`);
  }
}

/**
 * A folder only this process's user can enter (mkdtemp: random name, mode 0700), made inside a directory held
 * open as `parentFd`. Everything bpflab writes goes here first: nobody else can plant a symlink in it, so a
 * writer that follows symlinks (DuckDB does) cannot be redirected, and finished files are renamed out of it.
 */
export class PrivateDir {
  readonly fd: number;
  /** The folder's name inside its parent (".bpflab-XXXXXX"). */
  readonly name: string;
  readonly parentFd: number;
  private closed = false;

  private constructor(parentFd: number, name: string, fd: number) {
    this.parentFd = parentFd;
    this.name = name;
    this.fd = fd;
  }

  /** Creates a new private folder in the directory held as `parentFd`. */
  static create(parentFd: number, prefix = PRIVATE_PREFIX): PrivateDir {
    const path = mkdtempSync(fdPath(parentFd, prefix));
    const name = path.slice(path.lastIndexOf("/") + 1);
    return PrivateDir.adopt(parentFd, name);
  }

  /** Opens an existing private folder (recovery), checking that it is a folder of ours that others cannot write. */
  static adopt(parentFd: number, name: string): PrivateDir {
    checkName(name);
    const fd = openDir(fdPath(parentFd, name));
    const st = fstatSync(fd);
    const uid = process.geteuid?.() ?? st.uid;
    if (st.uid !== uid || (st.mode & 0o077) !== 0) {
      closeSync(fd);
      throw new DatasetError(
        `${name} is not a private bpflab folder (owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`,
        "someone else made or changed it; inspect and remove it by hand",
      );
    }
    return new PrivateDir(parentFd, name, fd);
  }

  /** A path reaching `name` in this folder through its fd (for DuckDB, which takes paths). */
  path(name: string): string {
    checkName(name);
    return fdPath(this.fd, name);
  }

  /**
   * Creates an empty file with O_CREAT|O_EXCL|O_NOFOLLOW (fails if anything, a symlink included, has the
   * name) and returns its inode, to check later that the file written is still this one.
   */
  createFile(name: string, mode = DEFAULT_FILE_MODE): number {
    const fd = openSync(this.path(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      fchmodSync(fd, mode); // the umask must not widen or narrow what the caller asked for
      return fstatSync(fd).ino;
    } finally {
      closeSync(fd);
    }
  }

  /** Writes a whole new file exclusively (see createFile), fsynced; returns its inode. */
  writeFile(name: string, data: string | Uint8Array, mode = DEFAULT_FILE_MODE): number {
    const fd = openSync(this.path(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      fchmodSync(fd, mode);
      const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
      return fstatSync(fd).ino;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Checks that `name` is still the regular file created as inode `ino` (not a symlink, not replaced), flushes
   * it to disk and sets its mode. Throws if anything is off.
   */
  seal(name: string, ino: number, mode = DEFAULT_FILE_MODE): void {
    const fd = openSync(this.path(name), O_RDONLY | O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.ino !== ino) {
        throw new Error(`bpflab: ${name} in ${this.name} was replaced while being written`);
      }
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Renames `name` out of this folder to `dest` in the directory held as `destFd` (default: the parent), durably. */
  publish(name: string, dest: string, destFd = this.parentFd): void {
    checkName(dest);
    renameSync(this.path(name), fdPath(destFd, dest));
    fsyncSync(destFd);
  }

  /** Renames `from` to `to` inside this folder, durably (segments appear under their final name atomically). */
  rename(from: string, to: string): void {
    renameSync(this.path(from), this.path(to));
    fsyncSync(this.fd);
  }

  /** The folder's entries. */
  list(): string[] {
    return readdirSync(fdPath(this.fd)).sort();
  }

  /** Throws if anything in the folder is not a regular file (a symlink, a FIFO, a folder). */
  verify(): void {
    for (const f of this.list()) {
      const st = lstatSync(this.path(f));
      if (!st.isFile()) throw new Error(`bpflab: ${f} in private folder ${this.name} is not a regular file`);
    }
  }

  /** Removes one file of the folder (if there). */
  remove(name: string): void {
    try {
      unlinkSync(this.path(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }

  /** Removes every file in the folder, then the folder itself, then closes it. */
  removeAll(): void {
    for (const f of this.list()) this.remove(f);
    this.close();
    rmdirSync(fdPath(this.parentFd, this.name));
    fsyncSync(this.parentFd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

// Writes a file the user named (a report, a saved figure) without trusting what is at that path: written under
// a private random name in the same folder (created exclusively, 0600), then renamed over the target, so a
// symlink planted at the target is replaced, never followed, and a crash never leaves half a file.

import { closeSync, constants, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { BpflabError, OptionError } from "../errors.js";

/** Writes `data` to `path` (mode 0600 unless `mode`); returns the absolute path. */
export function writeOutputFile(path: string, data: string | Uint8Array, mode = 0o600): string {
  const target = resolve(path);
  const dir = dirname(target);
  try {
    if (!lstatSync(dir).isDirectory()) throw new OptionError(`${dir} is not a folder`, "write into an existing folder");
  } catch (e) {
    if (e instanceof BpflabError) throw e;
    throw new OptionError(
      `cannot write ${path}: folder ${dir} does not exist`,
      "create it first, or pick another path",
    );
  }
  try {
    if (lstatSync(target).isDirectory())
      throw new OptionError(`${path} is a folder`, "give a file name, e.g. report.html");
  } catch (e) {
    if (e instanceof BpflabError) throw e; // else: it does not exist yet, the usual case
  }
  const tmp = join(dir, `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof BpflabError) throw e;
    throw new BpflabError(
      `cannot write ${path}: ${(e as Error).message}`,
      "check the folder's permissions and free space",
      {
        cause: e,
      },
    );
  }
  return target;
}

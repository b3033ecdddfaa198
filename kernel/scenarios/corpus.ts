// The labelled scenario corpus on disk (datasets/scenarios): its manifest (scenario, seed, kernel, duration,
// files with sha256, labels of every capture), read and checked here; scripts/make-scenarios.ts writes it.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { DatasetError } from "../errors.js";
import type { ScenarioLabel } from "./scenario-types.js";

export const MANIFEST_FILE = "manifest.json";

export interface CorpusEntry {
  /** Folder of the capture, relative to the corpus root ("cpu-hog/s1"). */
  dir: string;
  scenario: string;
  seed: number;
  kernel: string;
  durationS: number;
  elapsedS: number;
  scope: "machine" | "scenario";
  /** On-CPU s/s of the other processes removed from the capture (scope "scenario"). */
  foreignCpu: number | null;
  /** Every file of the capture: size and sha256. */
  files: Record<string, { bytes: number; sha256: string }>;
  labels: ScenarioLabel[];
}

export interface CorpusManifest {
  name: string;
  bpflabVersion: string;
  license: string;
  made: string;
  captures: CorpusEntry[];
}

/** A manifest read back, with each capture's folder as an absolute path. */
export interface LoadedCorpus extends Omit<CorpusManifest, "captures"> {
  captures: (CorpusEntry & { path: string })[];
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The files of a capture folder with their sizes and checksums. */
export function fileSums(dir: string): CorpusEntry["files"] {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, { bytes: statSync(join(dir, f)).size, sha256: sha256File(join(dir, f)) }]),
  );
}

/**
 * The corpus manifest of `root` (default datasets/scenarios of this package) with each capture's folder as an
 * absolute path in `path`. Throws a DatasetError when there is none or it names a folder outside the root.
 * @example for (const e of readCorpus().captures) await loadCapture(e.path)
 */
export function readCorpus(root: string): LoadedCorpus {
  const file = join(root, MANIFEST_FILE);
  let m: CorpusManifest;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as CorpusManifest;
  } catch (e) {
    throw new DatasetError(`cannot read the corpus manifest ${file}`, "remake it with scripts/make-scenarios.ts", {
      cause: e,
    });
  }
  const top = resolve(root);
  return {
    ...m,
    captures: m.captures.map((c) => {
      const path = resolve(top, c.dir);
      if (!path.startsWith(top + sep)) throw new DatasetError(`${file}: ${c.dir} is outside the corpus`, "");
      return { ...c, path };
    }),
  };
}

/** Files whose size or checksum differs from the manifest, or that are missing or extra ("dir/file: why"). */
export function verifyCorpus(root: string): string[] {
  const bad: string[] = [];
  for (const c of readCorpus(root).captures) {
    let now: CorpusEntry["files"];
    try {
      now = fileSums(c.path);
    } catch {
      bad.push(`${c.dir}: missing`);
      continue;
    }
    for (const [f, want] of Object.entries(c.files)) {
      const got = now[f];
      if (!got) bad.push(`${c.dir}/${f}: missing`);
      else if (got.sha256 !== want.sha256 || got.bytes !== want.bytes) bad.push(`${c.dir}/${f}: checksum differs`);
    }
    for (const f of Object.keys(now)) if (!c.files[f]) bad.push(`${c.dir}/${f}: not in the manifest`);
  }
  return bad;
}

/**
 * The labelled captures under each folder: a folder holding labels.parquet is one; others are searched `depth`
 * levels down (a corpus nests them as KIND/sSEED, a tuning set keeps them side by side). Symlinks are not followed.
 */
export function labelledCaptures(dirs: readonly string[], depth = 2): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (existsSync(join(d, "labels.parquet"))) out.push(d);
    else if (depth > 0 && existsSync(d) && statSync(d).isDirectory()) {
      const subs = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.isSymbolicLink());
      out.push(...labelledCaptures(subs.map((e) => join(d, e.name)).sort(), depth - 1));
    }
  }
  return out;
}

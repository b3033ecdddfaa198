// A short-lived in-memory DuckDB for Parquet I/O: lazy loading (importing bpflab must stay fast), SQL quoting,
// and raw vector access. Pairs with parquet-write.ts and parquet-read.ts.

import { readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import type * as DuckDBApi from "@duckdb/node-api";

type Api = typeof DuckDBApi;

/**
 * The C-API level calls we need beyond @duckdb/node-api's value-by-value vectors: whole-vector copies between
 * typed arrays and DuckDB's memory. @duckdb/node-api pins its bindings package to its own version, so we load
 * the one it loads (resolved from its directory) instead of declaring a second dependency.
 */
export interface RawBindings {
  vector_size(): number;
  data_chunk_get_vector(chunk: unknown, column: number): unknown;
  /** A copy of the first `byteCount` bytes of the vector's data. */
  vector_get_data(vector: unknown, byteCount: number): Uint8Array;
  copy_data_to_vector(
    vector: unknown,
    targetByteOffset: number,
    source: ArrayBufferLike,
    sourceByteOffset: number,
    byteCount: number,
  ): void;
  /** Takes a C string: a value with a NUL character must go through the `_len` variant. */
  vector_assign_string_element(vector: unknown, index: number, value: string): void;
  vector_assign_string_element_len(vector: unknown, index: number, utf8: Uint8Array): void;
}

let api: Api | undefined;
let raw: RawBindings | undefined;

/** @duckdb/node-api, loaded on first use (~0.2 s). */
export function duckdbApi(): Api {
  return (api ??= require("@duckdb/node-api") as Api);
}

/** The bindings @duckdb/node-api itself uses. */
export function rawBindings(): RawBindings {
  if (!raw) {
    const fromApi = createRequire(require.resolve("@duckdb/node-api"));
    raw = fromApi("@duckdb/node-bindings") as RawBindings;
  }
  return raw;
}

/**
 * Settings of every bpflab DuckDB: no spill files (an in-memory DuckDB would spill to ".tmp" in the current
 * folder, a predictable path it opens following symlinks; Parquet copies stream and need no spill) and no
 * extension downloads (nothing may download at run time; Parquet is built in). openSession also sets the time
 * zone to UTC.
 */
export const SESSION_CONFIG: Record<string, string> = {
  temp_directory: "",
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
};

/**
 * Runs `fn` with a fresh in-memory DuckDB connection and closes connection and instance afterwards, also when
 * `fn` throws. Nothing is shared between calls, so concurrent reads and writes cannot see each other's types or
 * table functions.
 */
export async function withDuckDB<T>(fn: (con: DuckDBApi.DuckDBConnection, duck: Api) => Promise<T>): Promise<T> {
  const { instance, con } = await openSession();
  try {
    return await fn(con, duckdbApi());
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/**
 * A new in-memory DuckDB with SESSION_CONFIG (plus `extra` settings) and one connection; the caller closes both.
 * Timestamps are written as TIMESTAMPTZ cast from UTC microseconds, so the session's zone is UTC: with the ICU
 * extension the cast would otherwise shift by the local zone (without ICU, DuckDB casts as UTC anyway).
 */
export async function openSession(
  extra: Record<string, string> = {},
): Promise<{ instance: DuckDBApi.DuckDBInstance; con: DuckDBApi.DuckDBConnection }> {
  const instance = await duckdbApi().DuckDBInstance.create(":memory:", { ...SESSION_CONFIG, ...extra });
  try {
    const con = await instance.connect();
    try {
      await con.run("SET TimeZone = 'UTC'");
    } catch {
      // no ICU: TIMESTAMPTZ casts are UTC already
    }
    return { instance, con };
  } catch (e) {
    instance.closeSync();
    throw e;
  }
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier (column names may hold anything). */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/**
 * The first line of a DuckDB error message, cut to 300 characters: the rest repeats the query, and a type in
 * the message may list thousands of ENUM values.
 */
export function duckMessage(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();
  // bpflab hands DuckDB paths through held directory fds (safe-file.ts); say where they really are.
  const line = first.replace(/\/proc\/self\/fd\/(\d+)/g, (m, fd: string) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return m;
    }
  });
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

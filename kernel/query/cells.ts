// DuckDB values as plain JSON-ready cells: numbers (integers while exact, else decimal strings), strings,
// booleans, null, timestamps as ISO 8601 UTC with microseconds; anything nested as DuckDB's text form.

/** A cell of a query result. */
export type QueryCell = number | string | boolean | null;

/** "2026-12-01T10:00:00.123456Z" from microseconds since the epoch (bpflab's timestamps are UTC). */
export function isoMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // ....sssZ
  return `${iso.slice(0, 19)}.${String(frac).padStart(6, "0")}Z`;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One DuckDB value (from @duckdb/node-api's getRows/yieldRows) as a cell. */
export function cellOf(v: unknown): QueryCell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? v : null;
    case "string":
    case "boolean":
      return v;
    case "bigint":
      return v <= SAFE && v >= -SAFE ? Number(v) : v.toString();
    case "object": {
      const o = v as { micros?: unknown; millis?: unknown; seconds?: unknown; nanos?: unknown; toDouble?: unknown };
      // TIMESTAMP, TIMESTAMPTZ (µs); TIMESTAMP_MS/_S/_NS carry other units
      if (typeof o.micros === "bigint" && isTimestamp(v)) return isoMicros(o.micros);
      if (typeof o.millis === "bigint" && isTimestamp(v)) return isoMicros(o.millis * 1000n);
      if (typeof o.seconds === "bigint" && isTimestamp(v)) return isoMicros(o.seconds * 1_000_000n);
      if (typeof o.nanos === "bigint" && isTimestamp(v)) return isoMicros(o.nanos / 1000n);
      if (typeof o.toDouble === "function") return (o.toDouble as () => number).call(v);
      return String(v);
    }
    default:
      return String(v);
  }
}

/** Timestamp value classes are named DuckDBTimestamp…Value (time-of-day values also carry micros). */
function isTimestamp(v: object): boolean {
  return /^DuckDBTimestamp/.test(v.constructor?.name ?? "");
}

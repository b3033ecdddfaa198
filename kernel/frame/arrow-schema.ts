// The "ARROW:schema" key-value entry of bpflab's Parquet files: the Arrow schema of the columns with each
// column's unit and description as field metadata, base64 of one Arrow IPC schema message, as pyarrow writes it.
// Arrow readers (pyarrow/pandas, arrow-rs, Polars) take column types and field metadata from it, so
// `pq.read_schema(f).field("oncpu_ns").metadata` gives {unit: "ns", description: ...}. Pairs with write-parquet.ts.

import type * as ArrowApi from "apache-arrow";
import type { ColumnSpec, ColumnType } from "./column.js";

/** Key-value metadata key pyarrow and arrow-rs read the Arrow schema from. */
export const ARROW_SCHEMA_KEY = "ARROW:schema";

let arrow: typeof ArrowApi | undefined;

/** apache-arrow, loaded on first use (only writes need it). */
function arrowApi(): typeof ArrowApi {
  return (arrow ??= require("apache-arrow") as typeof ArrowApi);
}

/** The Arrow type a column is written as: the same one the Parquet file holds (see parquet-write.ts). */
function arrowType(a: typeof ArrowApi, t: ColumnType): ArrowApi.DataType {
  switch (t) {
    case "u32":
      return new a.Uint32();
    case "i32":
      return new a.Int32();
    case "i64":
      return new a.Int64();
    case "u64":
      return new a.Uint64();
    case "f64":
      return new a.Float64();
    case "timestamp":
      return new a.TimestampMicrosecond("UTC");
    case "bool":
      return new a.Bool();
    case "str":
      return new a.Utf8();
  }
}

/** { "ARROW:schema": base64 } for these columns (all nullable, as DuckDB writes them). */
export function arrowSchemaKv(specs: readonly ColumnSpec[]): Record<string, string> {
  const a = arrowApi();
  const fields = specs.map((s) => {
    const meta = new Map<string, string>();
    if (s.unit) meta.set("unit", s.unit);
    if (s.description) meta.set("description", s.description);
    return new a.Field(s.name, arrowType(a, s.type), true, meta);
  });
  // An empty table in the IPC stream format starts with the schema message: continuation marker (4 bytes),
  // metadata length (4 bytes, little endian), then the flatbuffer, already padded to 8 bytes.
  const stream = a.tableToIPC(new a.Table(new a.Schema(fields)), "stream");
  const len = new DataView(stream.buffer, stream.byteOffset + 4, 4).getInt32(0, true);
  return { [ARROW_SCHEMA_KEY]: Buffer.from(stream.subarray(0, 8 + len)).toString("base64") };
}

// net: per-thread socket bytes and calls by socket kind, TCP opens, closes and retransmits, per interval;
// pairs with bpf/net.{bpf.c,h}.

import type { ColumnSpec } from "../frame/frame.js";
import {
  booleanOption,
  Collector,
  columnIndex,
  cstr,
  encodeFilter,
  identityColumns,
  setIdentity,
} from "./collector.js";

export interface NetOptions {
  /** Count TCP connections established/closed and retransmits (keeps a small per-socket owner record). */
  tcp: boolean;
}

const schema = [
  ...identityColumns,
  {
    name: "family",
    type: "str",
    description: "socket family: inet, inet6, unix, netlink, packet, vsock, ... (af_<n> otherwise)",
  },
  {
    name: "protocol",
    type: "str",
    description:
      "inet/inet6: tcp, udp, icmp, raw, mptcp, sctp ...; other families: the socket type (stream, dgram, seqpacket, raw)",
  },
  {
    name: "tx_bytes",
    type: "i64",
    unit: "bytes",
    description:
      "bytes the thread's sendmsg calls returned (write/send/sendto/sendmsg/sendmmsg, splice/sendfile to a socket)",
  },
  {
    name: "rx_bytes",
    type: "i64",
    unit: "bytes",
    description:
      "bytes the thread's recvmsg calls returned (read/recv/recvfrom/recvmsg/recvmmsg; MSG_PEEK not counted)",
  },
  { name: "tx_calls", type: "i64", unit: "calls", description: "sendmsg calls, failed ones included" },
  {
    name: "rx_calls",
    type: "i64",
    unit: "calls",
    description: "recvmsg calls, failed ones and end-of-stream included",
  },
  { name: "tx_errors", type: "i64", unit: "calls", description: "sendmsg calls that returned -errno" },
  {
    name: "rx_errors",
    type: "i64",
    unit: "calls",
    description: "recvmsg calls that returned -errno (EAGAIN of non-blocking reads included)",
  },
  {
    name: "tcp_established",
    type: "i64",
    unit: "connections",
    description:
      "TCP connections that reached ESTABLISHED (connect or accept side), charged to the socket's owner: the last thread that connected, listened, sent or received on it (accepted sockets start with their listener's); pid 0 when none did since the capture began",
  },
  {
    name: "tcp_closed",
    type: "i64",
    unit: "connections",
    description: "TCP connections that reached CLOSE (listeners excluded), charged to the socket's owner",
  },
  {
    name: "tcp_retransmits",
    type: "i64",
    unit: "segments",
    description: "TCP segments retransmitted, charged to the socket's owner",
  },
] as const satisfies readonly ColumnSpec[];

// struct net_key / net_val offsets (bpf/net.h); test/collectors/layout.test.ts checks them.
const K = { epoch: 0, tid: 4, pid: 8, family: 12, protocol: 14, type: 16, size: 20 } as const;
const V = {
  tx_bytes: 0,
  rx_bytes: 8,
  tx_calls: 16,
  rx_calls: 24,
  tx_errors: 32,
  rx_errors: 40,
  tcp_established: 48,
  tcp_closed: 56,
  tcp_retransmits: 64,
  cgroup_id: 72,
  comm: 80,
  size: 96,
} as const;
// struct net_owner: only BPF reads it, but it is part of the header's contract all the same.
const O = { cgroup_id: 0, pid: 8, tid: 12, comm: 16, size: 32 } as const;

/** Struct layouts (C name → field offsets and size), checked against the object's BTF by a test. */
export const netLayout = { net_key: K, net_val: V, net_owner: O } as const;

// <linux/socket.h> address families (the same numbers on every architecture)
const FAMILIES: Record<number, string> = {
  1: "unix",
  2: "inet",
  10: "inet6",
  16: "netlink",
  17: "packet",
  40: "vsock",
  44: "xdp",
  38: "alg",
  31: "bluetooth",
};
const IP_PROTOCOLS: Record<number, string> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  58: "icmpv6",
  132: "sctp",
  136: "udplite",
  262: "mptcp",
};
// socket types; SOCK_STREAM etc. differ on MIPS only, which bpflab does not build for
const TYPES: Record<number, string> = {
  1: "stream",
  2: "dgram",
  3: "raw",
  4: "rdm",
  5: "seqpacket",
  6: "dccp",
  10: "packet",
};

/** The `family` column's name for an sk_family number. */
export function familyName(family: number): string {
  return FAMILIES[family] ?? `af_${family}`;
}

/** The `protocol` column's value: the IP protocol for inet sockets (raw for SOCK_RAW), else the socket type. */
export function protocolName(family: number, protocol: number, type: number): string {
  if (family === 2 || family === 10) {
    if (type === 3) return "raw";
    return IP_PROTOCOLS[protocol] ?? `ipproto_${protocol}`;
  }
  return TYPES[type] ?? `type_${type}`;
}

/** `comm` of the pid-0 rows that hold TCP events of sockets without a known owner. */
export const UNOWNED = "[no owner]";

const col = columnIndex(schema);

/**
 * One row per thread and socket kind (family, protocol) per interval. Bytes and calls are counted where
 * sock_sendmsg/sock_recvmsg return, in the calling thread: every socket family and syscall that goes through
 * them, io_uring included; not counted: receives that bypass recvmsg (splice from a TCP socket,
 * zero-copy receive) and kernel-internal I/O not issued by a thread of the process. TCP events run in
 * softirq context, so they are charged to the socket's owner (the last thread that connected, listened,
 * sent or received on it; an accepted socket starts with its listener's), or to pid 0 ("[no owner]") when
 * no thread used it since the capture began.
 * @example await capture({ collectors: ["net"], duration: "10s", pid: 1234 })
 */
export const net: Collector<NetOptions> = {
  name: "net",
  description:
    "per thread and socket kind: bytes and calls sent/received, errors; TCP established, closed, retransmits per interval",
  object: "net",
  tracepoints: [
    "sock:sock_send_length",
    "sock:sock_recv_length",
    "sock:inet_sock_set_state",
    "tcp:tcp_retransmit_skb",
    "sched:sched_process_fork (all tp_btf)",
  ],
  options: [
    {
      name: "tcp",
      type: "boolean",
      default: true,
      description:
        "count TCP connections and retransmits (charged to the socket's last user); false: bytes and calls only",
    },
  ],
  schema,
  resolveOptions(opts) {
    return { tcp: booleanOption("net", "tcp", opts.tcp, true, "pass { tcp: false } to count bytes and calls only") };
  },
  config(opts, filter) {
    const b = Buffer.alloc(16);
    encodeFilter(b, filter);
    b.writeUInt8(opts.tcp ? 1 : 0, 8);
    return b;
  },
  disabledPrograms: (opts) => (opts.tcp ? [] : ["inet_sock_set_state", "tcp_retransmit_skb"]),
  forkTrackers: ["net_fork"],
  source: {
    kind: "aggregate",
    map: "stats",
    keySize: K.size,
    valueSize: V.size,
    epochOffset: K.epoch,
    decode(k, ko, v, vo, out, ctx) {
      const r = out.beginRow();
      const u64 = (o: number) => Number(v.getBigUint64(vo + o, true));
      const family = k.getUint16(ko + K.family, true);
      // pid 0: TCP events of sockets no task has used since the capture began (see the tcp_* descriptions)
      const pid = k.getUint32(ko + K.pid, true);
      setIdentity(
        out,
        r,
        ctx,
        pid,
        k.getUint32(ko + K.tid, true),
        pid === 0 ? UNOWNED : cstr(v, vo + V.comm, 16),
        v.getBigUint64(vo + V.cgroup_id, true),
      );
      out.setStr(col.family, r, familyName(family));
      out.setStr(
        col.protocol,
        r,
        protocolName(family, k.getUint16(ko + K.protocol, true), k.getUint16(ko + K.type, true)),
      );
      out.setNum(col.tx_bytes, r, u64(V.tx_bytes));
      out.setNum(col.rx_bytes, r, u64(V.rx_bytes));
      out.setNum(col.tx_calls, r, u64(V.tx_calls));
      out.setNum(col.rx_calls, r, u64(V.rx_calls));
      out.setNum(col.tx_errors, r, u64(V.tx_errors));
      out.setNum(col.rx_errors, r, u64(V.rx_errors));
      out.setNum(col.tcp_established, r, u64(V.tcp_established));
      out.setNum(col.tcp_closed, r, u64(V.tcp_closed));
      out.setNum(col.tcp_retransmits, r, u64(V.tcp_retransmits));
    },
  },
};

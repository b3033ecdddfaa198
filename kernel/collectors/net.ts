// net: per-thread socket bytes and calls by socket kind, TCP opens, closes and retransmits, per interval;
// pairs with bpf/net.{bpf.c,h}.

import { option } from "./options.js";
import { defineCollector, RowAccess } from "./schema.js";

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

// pid 0: TCP events of sockets no task has used since the capture began (see the tcp_* descriptions)
const ownerName = (name: string | number | bigint, row: RowAccess) => (row.num("key.pid") === 0 ? UNOWNED : name);
const owned = "charged to the socket's owner";

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
export const net = defineCollector({
  name: "net",
  description:
    "per thread and socket kind: bytes and calls sent/received, errors; TCP established, closed, retransmits per interval",
  tracepoints: [
    "sock:sock_send_length",
    "sock:sock_recv_length",
    "sock:inet_sock_set_state",
    "tcp:tcp_retransmit_skb (all tp_btf)",
  ],
  options: {
    tcp: option.boolean({
      default: true,
      cli: "--no-tcp",
      doc: "count TCP connections and retransmits (charged to the socket's last user); false: bytes and calls only",
    }),
  },
  config: (o) => ({ tcp: o.tcp }),
  disabledPrograms: (o) => (o.tcp ? [] : ["inet_sock_set_state", "tcp_retransmit_skb"]),
  frames: [
    {
      name: "net",
      source: { kind: "aggregate", map: "stats", key: "net_key", value: "net_val" },
      identity: {
        pid: "key.pid",
        tid: "key.tid",
        comm: "val.comm",
        process: "val.pcomm",
        cgroup_id: "val.cgroup_id",
        map: { comm: ownerName, process: ownerName },
      },
      columns: {
        family: {
          from: "key.family",
          type: "str",
          map: (f) => familyName(Number(f)),
          description: "socket family: inet, inet6, unix, netlink, packet, vsock, ... (af_<n> otherwise)",
        },
        protocol: {
          from: "key.protocol",
          type: "str",
          map: (p, row) => protocolName(row.num("key.family"), Number(p), row.num("key.type")),
          description:
            "inet/inet6: tcp, udp, icmp, raw, mptcp, sctp ...; other families: the socket type (stream, dgram, seqpacket, raw)",
        },
        tx_bytes: {
          from: "val.tx_bytes",
          type: "i64",
          unit: "bytes",
          description:
            "bytes the thread's sendmsg calls returned (write/send/sendto/sendmsg/sendmmsg, splice/sendfile to a socket)",
        },
        rx_bytes: {
          from: "val.rx_bytes",
          type: "i64",
          unit: "bytes",
          description:
            "bytes the thread's recvmsg calls returned (read/recv/recvfrom/recvmsg/recvmmsg; MSG_PEEK not counted)",
        },
        tx_calls: {
          from: "val.tx_calls",
          type: "i64",
          unit: "calls",
          description: "sendmsg calls, failed ones included",
        },
        rx_calls: {
          from: "val.rx_calls",
          type: "i64",
          unit: "calls",
          description: "recvmsg calls, failed ones and end-of-stream included",
        },
        tx_errors: {
          from: "val.tx_errors",
          type: "i64",
          unit: "calls",
          description: "sendmsg calls that returned -errno",
        },
        rx_errors: {
          from: "val.rx_errors",
          type: "i64",
          unit: "calls",
          description: "recvmsg calls that returned -errno (EAGAIN of non-blocking reads included)",
        },
        tcp_established: {
          from: "val.tcp_established",
          type: "i64",
          unit: "connections",
          description:
            "TCP connections that reached ESTABLISHED (connect or accept side), charged to the socket's owner: the last thread that connected, listened, sent or received on it (accepted sockets start with their listener's); pid 0 when none did since the capture began",
        },
        tcp_closed: {
          from: "val.tcp_closed",
          type: "i64",
          unit: "connections",
          description: `TCP connections that reached CLOSE (listeners excluded), ${owned}`,
        },
        tcp_retransmits: {
          from: "val.tcp_retransmits",
          type: "i64",
          unit: "segments",
          description: `TCP segments retransmitted, ${owned}`,
        },
      },
      display: {
        summary: [
          {
            key: "top_processes_net",
            title: "top processes by bytes sent (net)",
            by: ["process"],
            columns: [
              { column: "tx_bytes", header: "tx KiB", scale: 1 / 1024 },
              { column: "rx_bytes", header: "rx KiB", scale: 1 / 1024 },
            ],
            top: 5,
          },
        ],
        report: [{ plot: "timeline", metric: "tx_bytes", title: "Bytes sent per interval per process" }],
      },
      features: {
        prefix: "net_",
        columns: {
          tx_bytes: "sum",
          rx_bytes: "sum",
          tx_calls: "sum",
          rx_calls: "sum",
          tx_errors: "sum",
          rx_errors: "sum",
          tcp_established: "sum",
          tcp_closed: "sum",
          tcp_retransmits: "sum",
        },
      },
    },
  ],
});

/* net.h: shared by net.bpf.c and kernel/collectors/net.ts (layouts are a contract). */
#ifndef NET_H
#define NET_H

#include "bpflab.h"

#define NET_MAX_ENTRIES 65536 /* (thread, socket kind) pairs over two live epochs; a full map counts as lost */

struct net_cfg {
	struct bpflab_filter_cfg filter;
	__u8 tcp;               /* 1: count TCP opens, closes and retransmits (keeps a socket-owner record) */
	__u8 pad[7];
};                          /* 16 bytes */

struct net_key {
	__u32 epoch;
	__u32 tid;              /* the thread that sent/received; for TCP events, the socket's owner (net_owner) */
	__u32 pid;              /* tgid */
	__u16 family;           /* sk_family: AF_UNIX 1, AF_INET 2, AF_INET6 10, AF_NETLINK 16, ... */
	__u16 protocol;         /* sk_protocol: IPPROTO_TCP 6, IPPROTO_UDP 17, ... (0 for most non-inet) */
	__u16 type;             /* sk_type: SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, SOCK_SEQPACKET 5 */
	__u16 pad;
};                          /* 20 bytes */

struct net_val {
	__u64 tx_bytes;         /* returned by sendmsg (write, send, sendto, sendmmsg, splice/sendfile to a socket) */
	__u64 rx_bytes;         /* returned by recvmsg (read, recv, recvfrom, recvmmsg), MSG_PEEK excluded */
	__u64 tx_calls;         /* sendmsg calls that reached the protocol, failed ones included */
	__u64 rx_calls;
	__u64 tx_errors;        /* sendmsg returned -errno */
	__u64 rx_errors;        /* recvmsg returned -errno (EAGAIN of non-blocking reads included) */
	__u64 tcp_established;  /* TCP connections that reached ESTABLISHED (active or passive open) */
	__u64 tcp_closed;       /* TCP connections that reached CLOSE (listeners excluded) */
	__u64 tcp_retransmits;  /* TCP segments retransmitted */
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 112 bytes */

/* Per-socket storage: the last task that connected, listened, sent or received on a TCP socket. State changes
 * and retransmits run in softirq context, where `current` is whoever was interrupted; they are charged to
 * this owner instead. Cloned from a listener to the connections it accepts. */
struct net_owner {
	__u64 cgroup_id;
	__u32 pid;              /* tgid */
	__u32 tid;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
};                          /* 48 bytes */

#endif /* NET_H */

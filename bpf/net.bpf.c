// SPDX-License-Identifier: GPL-2.0
/* net.bpf.c: per-thread socket bytes and calls by socket kind, TCP opens, closes and retransmits, per interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "net.h"

const volatile struct net_cfg cfg = {};
#include "bpflab.bpf.h"

#define MSG_PEEK 2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NET_MAX_ENTRIES);
	__type(key, struct net_key);
	__type(value, struct net_val);
} stats SEC(".maps");

/* BPF_F_CLONE: a connection accepted from a listener starts with the listener's owner (sk_clone_lock copies
 * it), so the server's passive opens, which complete in softirq before accept(2), are charged to the server. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct net_owner);
} owners SEC(".maps");

static __always_inline void key_of(struct net_key *key, const struct sock *sk, __u32 tid, __u32 tgid)
{
	key->epoch = current_epoch();
	key->tid = tid;
	key->pid = tgid;
	key->family = sk->__sk_common.skc_family;
	key->protocol = sk->sk_protocol;
	key->type = sk->sk_type;
	key->pad = 0;
}

/* The interval's row for `key`, created with the given identity. NULL (and counted lost) when the map is full. */
static __always_inline struct net_val *row_of(struct net_key *key, __u64 cgroup_id, const char *comm,
					       const char *pcomm)
{
	struct net_val *v = bpf_map_lookup_elem(&stats, key);

	if (v)
		return v;
	struct net_val init = {};

	init.cgroup_id = cgroup_id;
	__builtin_memcpy(init.comm, comm, BPFLAB_COMM_LEN);
	__builtin_memcpy(init.pcomm, pcomm, BPFLAB_COMM_LEN);
	return insert_row(&stats, key, &init, key->pid);
}

/* The row of the current thread, for events in task context (send and receive). */
static __always_inline struct net_val *current_row(const struct sock *sk, __u64 pid_tgid)
{
	struct net_key key;
	char comm[BPFLAB_COMM_LEN], pcomm[BPFLAB_COMM_LEN];
	struct net_val *v;

	key_of(&key, sk, (__u32)pid_tgid, pid_tgid >> 32);
	v = bpf_map_lookup_elem(&stats, &key);
	if (v)
		return v;
	bpf_get_current_comm(comm, sizeof(comm));
	READ_PROCESS_NAME(&pcomm, bpf_get_current_task_btf());
	return row_of(&key, bpf_get_current_cgroup_id(), comm, pcomm);
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM;
}

/* Records the current thread as the owner of TCP socket `sk` (a no-op when it already is). Task context only. */
static __always_inline void claim(const struct sock *sk, __u64 pid_tgid)
{
	struct net_owner *o;

	if (!cfg.tcp || !is_tcp(sk))
		return;
	o = bpf_sk_storage_get(&owners, (struct sock *)sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o || o->tid == (__u32)pid_tgid)
		return;
	o->tid = (__u32)pid_tgid;
	o->pid = pid_tgid >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	READ_PROCESS_NAME(&o->pcomm, bpf_get_current_task_btf());
}

/* The row of the socket's owner, for TCP events in any context; NULL when no task has claimed the socket
 * since the capture began (its events are charged to pid 0, see net.ts) or the owner is filtered out. */
static __always_inline struct net_val *owner_row(const struct sock *sk)
{
	struct net_owner *o = bpf_sk_storage_get(&owners, (struct sock *)sk, 0, 0);
	static const char unknown[BPFLAB_COMM_LEN] = {};
	struct net_key key;

	if (!o) {
		if (filter_cfg.filter_tgid)
			return NULL;
		key_of(&key, sk, 0, 0);
		return row_of(&key, 0, unknown, unknown);
	}
	/* no tgid_wanted(o->pid) here: only traced threads claim sockets (send, receive, connect and listen check
	 * the filter first), so the owner is traced, even once it has exited and its last FIN completes in softirq
	 * after the tracker dropped its pid */
	key_of(&key, sk, o->tid, o->pid);
	return row_of(&key, o->cgroup_id, o->comm, o->pcomm);
}

/* sock_sendmsg's exit, in the sending thread: `ret` is bytes sent or -errno. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock *sk, int ret, int flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct net_val *v;

	if (!tgid_wanted(pid_tgid >> 32))
		return 0;
	v = current_row(sk, pid_tgid);
	if (!v)
		return 0;
	/* Plain adds: send/receive counters of a row are written by its own thread only. */
	v->tx_calls++;
	if (ret > 0)
		v->tx_bytes += ret;
	else if (ret < 0)
		v->tx_errors++;
	claim(sk, pid_tgid);
	return 0;
}

/* sock_recvmsg's exit, in the receiving thread: `ret` is bytes received (0 at end of stream) or -errno. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct net_val *v;

	if (!tgid_wanted(pid_tgid >> 32))
		return 0;
	v = current_row(sk, pid_tgid);
	if (!v)
		return 0;
	v->rx_calls++;
	/* MSG_PEEK leaves the data queued: it is counted when actually read */
	if (ret > 0 && !(flags & MSG_PEEK))
		v->rx_bytes += ret;
	else if (ret < 0)
		v->rx_errors++;
	claim(sk, pid_tgid);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct net_val *v;

	if (!is_tcp(sk))
		return 0;
	/* connect(2) and listen(2) run these transitions in the caller's context: the socket's first owner */
	if (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();

		if (tgid_wanted(pid_tgid >> 32))
			claim(sk, pid_tgid);
		return 0;
	}
	if (newstate != TCP_ESTABLISHED && !(newstate == TCP_CLOSE && oldstate != TCP_LISTEN))
		return 0;
	v = owner_row(sk);
	if (!v)
		return 0;
	/* atomic: charged from softirq on any CPU, concurrently with other sockets of the same owner */
	if (newstate == TCP_ESTABLISHED)
		__sync_fetch_and_add(&v->tcp_established, 1);
	else
		__sync_fetch_and_add(&v->tcp_closed, 1);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	struct net_val *v = owner_row(sk);

	if (v)
		__sync_fetch_and_add(&v->tcp_retransmits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

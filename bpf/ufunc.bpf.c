// SPDX-License-Identifier: GPL-2.0
/* ufunc.bpf.c: calls and latency of user-space functions (uprobe + uretprobe), per thread, per function, per
 * interval. One program pair serves every function: user space attaches it once per function with the
 * function's index as the attach cookie. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ufunc.h"

const volatile struct ufunc_cfg cfg = {};
#include "bpflab.bpf.h"
#include "hist.bpf.h"

/* Task-local storage instead of a tid-keyed hash: no hashing on the hot path, freed with the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ufunc_stack);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UFUNC_MAX_ENTRIES);
	__type(key, struct ufunc_key);
	__type(value, struct ufunc_val);
} counts SEC(".maps");

/* ---- latency histograms (option histogram: the ufunc_hist frame) ---- */

/* Allocated as keys appear (NO_PREALLOC): a capture without histograms pays no memory for them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, UFUNC_MAX_HISTS);
	__type(key, struct ufunc_key);
	__type(value, struct ufunc_hist);
} hists SEC(".maps");

/* Counts a call of `lat` ns in the histogram of `key` (the caller's thread and function). */
static __always_inline void count_in_hist(const struct ufunc_key *key, __u64 lat)
{
	struct ufunc_hist *h = bpf_map_lookup_elem(&hists, key);

	if (!h) {
		/* too big for the stack: insert zeroes, then fill the identity in */
		static const struct ufunc_hist zero = {};

		h = insert_row(&hists, key, &zero, key->pid);
		if (!h)
			return;
		h->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(h->comm, sizeof(h->comm));
		READ_PROCESS_NAME(&h->pcomm, bpf_get_current_task_btf());
	}
	hist_add(h->slots, lat, false);
}

/* ---- end of latency histograms ---- */

/* Adds one call of function `fid` taking `lat` ns to this thread's row of the current interval. */
static __always_inline void account(__u64 pid_tgid, __u32 fid, __u64 lat)
{
	struct ufunc_key key;
	struct ufunc_val *v;

	key.pid = pid_tgid >> 32;
	key.func_id = fid;
	key.tid = (__u32)pid_tgid;
	key.epoch = current_epoch();
	v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		struct ufunc_val init = {};

		init.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		READ_PROCESS_NAME(&init.pcomm, bpf_get_current_task_btf());
		v = insert_row(&counts, &key, &init, key.pid);
		if (!v)
			return;
	}
	/* Plain adds: a key belongs to one thread, which runs on one CPU at a time. */
	v->calls++;
	v->total_ns += lat;
	if (lat > v->max_ns)
		v->max_ns = lat;
	if (cfg.histogram)
		count_in_hist(&key, lat);
}

SEC("uprobe")
int ufunc_entry(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ufunc_stack *s;
	__u32 d;

	if (!tgid_wanted(pid_tgid >> 32))
		return 0;
	if (!cfg.latency) { /* count only: no uretprobe, no stack */
		account(pid_tgid, (__u32)bpf_get_attach_cookie(ctx), 0);
		return 0;
	}
	s = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	d = s->depth;
	if (d < UFUNC_MAX_DEPTH) {
		s->start_ns[d] = bpf_ktime_get_ns();
		s->func_id[d] = (__u32)bpf_get_attach_cookie(ctx);
	}
	/* past the bound only the depth moves, so that the returns of the frames below still pair up */
	s->depth = d + 1;
	return 0;
}

SEC("uretprobe")
int ufunc_return(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid();
	__u32 fid = (__u32)bpf_get_attach_cookie(ctx);
	struct ufunc_stack *s;
	int found = -1;
	__u64 lat;
	__u32 d;

	if (!tgid_wanted(pid_tgid >> 32))
		return 0;
	s = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	/* no stack or an empty one: the call began before the capture attached; skip it */
	if (!s || s->depth == 0)
		return 0;
	d = s->depth;
	if (d > UFUNC_MAX_DEPTH) {
		s->depth = d - 1;
		count_lost_of(bpf_get_current_pid_tgid() >> 32); /* nested deeper than we time */
		return 0;
	}
	/* Normally the top frame is this call. A frame left by a call that never returned (longjmp, a thread
	 * cancelled inside it) sits above it: search down for this function's innermost frame and drop the rest. */
	for (int i = UFUNC_MAX_DEPTH - 1; i >= 0; i--) {
		if (i >= d)
			continue;
		if (s->func_id[i] == fid) {
			found = i;
			break;
		}
	}
	if (found < 0) /* this call's entry was not seen (it began before the capture) */
		return 0;
	lat = now - s->start_ns[found];
	s->depth = found;

	account(pid_tgid, fid, lat);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* locks.bpf.c: kernel lock contention per thread and lock type, per interval: waits, failed waits, total and
 * max wait (lock:contention_begin/end, which fire only when a lock is contended: uncontended locking costs
 * nothing). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "locks.h"

const volatile struct locks_cfg cfg = {};
#include "bpflab.bpf.h"
#include "hist.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct locks_waits);
} waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LOCKS_MAX_ENTRIES);
	__type(key, struct locks_key);
	__type(value, struct locks_val);
} counts SEC(".maps");

/* ---- wait time histograms (option histogram: the locks_hist frame) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LOCKS_MAX_HISTS);
	__type(key, struct locks_key);
	__type(value, struct locks_hist);
} hists SEC(".maps");

static __always_inline void count_in_hist(const struct locks_key *key, __u64 ns)
{
	struct locks_hist *h = bpf_map_lookup_elem(&hists, key);

	if (!h) {
		static const struct locks_hist zero = {};

		h = insert_row(&hists, key, &zero, key->pid);
		if (!h)
			return;
		h->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(h->comm, sizeof(h->comm));
		READ_PROCESS_NAME(&h->pcomm, bpf_get_current_task_btf());
	}
	hist_add(h->slots, ns, false);
}

/* ---- end of histograms ---- */

/* A mutex first spins (MUTEX|SPIN), then sleeps (MUTEX), reporting a second begin for the same wait: the
 * type is what the lock is, so SPIN only counts for locks that are spinlocks or rwlocks. */
static __always_inline __u32 lock_type(__u32 flags)
{
	return flags & (LOCKS_F_MUTEX | LOCKS_F_RT) ? flags & ~LOCKS_F_SPIN : flags;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin, void *lock, unsigned int flags)
{
	struct locks_waits *w;
	__u32 d;

	if (!tgid_wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	w = bpf_task_storage_get(&waits, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w)
		return 0;
	d = w->depth;
	/* the same wait going on (a mutex moving from spinning to sleeping): keep its start */
	if (d > 0 && d <= LOCKS_MAX_DEPTH && w->lock[(d - 1) & (LOCKS_MAX_DEPTH - 1)] == (__u64)lock) {
		w->flags[(d - 1) & (LOCKS_MAX_DEPTH - 1)] = flags;
		return 0;
	}
	if (d >= LOCKS_MAX_DEPTH) {
		count_lost(); /* nested deeper than we follow: this wait is not timed */
		return 0;
	}
	w->lock[d] = (__u64)lock;
	w->start_ns[d] = bpf_ktime_get_ns();
	w->flags[d] = flags;
	w->depth = d + 1;
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end, void *lock, int ret)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid(), wait;
	struct locks_waits *w;
	struct locks_key key;
	struct locks_val *v;
	int found = -1;
	__u32 d;

	if (!tgid_wanted(pid_tgid >> 32))
		return 0;
	w = bpf_task_storage_get(&waits, bpf_get_current_task_btf(), 0, 0);
	if (!w || w->depth == 0 || w->depth > LOCKS_MAX_DEPTH)
		return 0; /* the wait began before the capture */
	d = w->depth;
	for (int i = LOCKS_MAX_DEPTH - 1; i >= 0; i--) {
		if (i < d && w->lock[i] == (__u64)lock) {
			found = i;
			break;
		}
	}
	if (found < 0)
		return 0;
	wait = now - w->start_ns[found & (LOCKS_MAX_DEPTH - 1)];
	key.flags = lock_type(w->flags[found & (LOCKS_MAX_DEPTH - 1)]);
	/* waits above it that never ended (cannot happen with balanced tracepoints) are dropped with it */
	w->depth = found;

	key.epoch = current_epoch();
	key.tid = (__u32)pid_tgid;
	key.pid = pid_tgid >> 32;
	v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		struct locks_val init = {};

		init.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		READ_PROCESS_NAME(&init.pcomm, bpf_get_current_task_btf());
		v = insert_row(&counts, &key, &init, key.pid);
		if (!v)
			return 0;
	}
	/* plain adds: a key belongs to one thread, which runs on one CPU at a time */
	v->count++;
	if (ret)
		v->failed++;
	v->total_ns += wait;
	if (wait > v->max_ns)
		v->max_ns = wait;
	if (cfg.histogram)
		count_in_hist(&key, wait);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

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

/* The rows without histograms (with them, `hists` holds them and user space shrinks this map to one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LOCKS_MAX_ENTRIES);
	__type(key, struct locks_key);
	__type(value, struct locks_val);
} counts SEC(".maps");

/* ---- wait time histograms (option histogram: the locks_hist frame) ---- */

/* With histograms, the rows (counts and buckets): one map element per wait, not two. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LOCKS_MAX_HISTS);
	__type(key, struct locks_key);
	__type(value, struct locks_hist);
} hists SEC(".maps");

/* count_wait() updates a histogram row through struct locks_val: its head must be locks_val's fields. */
_Static_assert(__builtin_offsetof(struct locks_hist, max_ns) == __builtin_offsetof(struct locks_val, max_ns) &&
		       __builtin_offsetof(struct locks_hist, pcomm) == __builtin_offsetof(struct locks_val, pcomm) &&
		       __builtin_offsetof(struct locks_hist, slots) == sizeof(struct locks_val),
	       "struct locks_hist must begin with the fields of struct locks_val");

static __always_inline struct locks_hist *hist_row(const struct locks_key *key)
{
	struct locks_hist *h = bpf_map_lookup_elem(&hists, key);

	if (!h) {
		/* too big for the stack: insert zeroes, then fill in */
		static const struct locks_hist zero = {};

		h = insert_row(&hists, key, &zero, key->pid);
		if (!h)
			return NULL;
		h->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(h->comm, sizeof(h->comm));
		READ_PROCESS_NAME(&h->pcomm, bpf_get_current_task_btf());
	}
	return h;
}

/* ---- end of histograms ---- */

/* Counts one wait in a row: a locks_val, or the head of a locks_hist. */
static __always_inline void count_wait(struct locks_val *v, int ret, __u64 wait)
{
	/* plain adds: a key belongs to one thread, which runs on one CPU at a time */
	v->count++;
	if (ret)
		v->failed++;
	v->total_ns += wait;
	if (wait > v->max_ns)
		v->max_ns = wait;
}

/* A mutex first spins (MUTEX|SPIN), then sleeps (MUTEX), reporting a second begin for the same wait: the
 * type is what the lock is, so SPIN only counts for locks that are spinlocks or rwlocks. */
static __always_inline __u32 lock_type(__u32 flags)
{
	return flags & (LOCKS_F_MUTEX | LOCKS_F_RT) ? flags & ~LOCKS_F_SPIN : flags;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin, void *lock, unsigned int flags)
{
	/* the task's ids are plain BTF loads from it: one helper call for both */
	struct task_struct *t = bpf_get_current_task_btf();
	struct locks_waits *w = WANTED_TASK_STORAGE(waits, t);
	__u32 d;

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
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 now, wait;
	struct locks_waits *w;
	struct locks_key key;
	struct locks_val *v;
	int found = -1;
	__u32 d;

	/* No filter lookup: contention_begin records a wait only in a process the filter wants, so one found here
	 * is wanted. (A process that leaves the filter's set while it waits has that wait counted.) */
	w = bpf_task_storage_get(&waits, t, 0, 0);
	if (!w || w->depth == 0 || w->depth > LOCKS_MAX_DEPTH)
		return 0; /* the wait began before the capture, or in a process the filter does not want */
	/* read only now: contentions of other processes end above without it */
	now = bpf_ktime_get_ns();
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
	key.tid = t->pid;
	key.pid = t->tgid;
	if (cfg.histogram) {
		struct locks_hist *h = hist_row(&key);

		if (!h)
			return 0;
		count_wait((struct locks_val *)h, ret, wait);
		hist_add(h->slots, wait, false);
		return 0;
	}
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
	count_wait(v, ret, wait);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* syscalls.bpf.c: per-thread, per-syscall counts, errors and latency, aggregated in the kernel per interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "syscalls.h"

const volatile struct syscalls_cfg cfg = {};
#include "bpflab.bpf.h"
#include "hist.bpf.h"
#include "events.bpf.h"

struct inflight {
	__u64 ts;
	__u64 nr;
	__u64 wanted_gen; /* filter_generation() when the filter last wanted this thread's process (0: not known) */
};

/* Task-local storage instead of a tid-keyed hash: no hashing and no delete on the hot path. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* The rows without histograms (with them, `hists` holds them and user space shrinks this map to one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYSCALLS_MAX_ENTRIES);
	__type(key, struct syscalls_key);
	__type(value, struct syscalls_val);
} counts SEC(".maps");

/* ---- latency histograms (option histogram: the syscalls_hist frame) ---- */

/* With histograms, the rows (counts and buckets) live here instead of in `counts`. Allocated as keys appear
 * (NO_PREALLOC): a capture without histograms pays no memory for them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SYSCALLS_MAX_HISTS);
	__type(key, struct syscalls_key);
	__type(value, struct syscalls_hist);
} hists SEC(".maps");

/* count_call() updates a histogram row through struct syscalls_val: its head must be syscalls_val's fields. */
_Static_assert(__builtin_offsetof(struct syscalls_hist, max_ns) == __builtin_offsetof(struct syscalls_val, max_ns) &&
		       __builtin_offsetof(struct syscalls_hist, pcomm) == __builtin_offsetof(struct syscalls_val, pcomm) &&
		       __builtin_offsetof(struct syscalls_hist, slots) == sizeof(struct syscalls_val),
	       "struct syscalls_hist must begin with the fields of struct syscalls_val");

/* The histogram row of `key` (the caller's thread and syscall), made on its first call in the interval. */
static __always_inline struct syscalls_hist *hist_row(const struct syscalls_key *key)
{
	struct syscalls_hist *h = bpf_map_lookup_elem(&hists, key);

	if (!h) {
		/* 656 bytes: too big for the stack, so the first call of a key inserts zeroes and then fills in */
		static const struct syscalls_hist zero = {};

		h = insert_row(&hists, key, &zero, key->pid);
		if (!h)
			return NULL;
		h->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(h->comm, sizeof(h->comm));
		READ_PROCESS_NAME(&h->pcomm, bpf_get_current_task_btf());
	}
	return h;
}

/* ---- end of latency histograms ---- */

static __always_inline long regs_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ((struct user_pt_regs *)regs, regs[8]);
#else
#error "syscalls collector: add this architecture's syscall-number register"
#endif
}

/* execve and execveat: where a process takes a new name, which the name filter may not want. */
static __always_inline bool is_exec(__u32 nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == 59 || nr == 322;
#elif defined(__TARGET_ARCH_arm64)
	return nr == 221 || nr == 281;
#endif
}

/* Counts one call in a row: a syscalls_val, or the head of a syscalls_hist. */
static __always_inline void count_call(struct syscalls_val *v, long ret, __u64 lat)
{
	/* Plain adds: a key belongs to one thread, which runs on one CPU at a time. */
	v->count++;
	if (ret < 0 && ret >= -4095)
		v->errors++;
	v->total_ns += lat;
	if (lat > v->max_ns)
		v->max_ns = lat;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	/* the task's ids are plain BTF loads from it: one helper call for both */
	struct task_struct *t = bpf_get_current_task_btf();
	struct inflight *f = WANTED_TASK_STORAGE(inflight, t);

	if (!f)
		return 0;
	f->nr = id;
	f->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct syscalls_key key;
	struct syscalls_val *v;
	__u64 lat = 0;

	key.pid = t->tgid;
	if (cfg.latency) {
		struct inflight *f = bpf_task_storage_get(&inflight, t, 0, 0);

		/* no start: the call began before the capture (or it is a restarted call), or in a process the filter
		 * does not want (sys_enter asked it, so a timed call needs no second lookup here); skip it */
		if (!f || !f->ts)
			return 0;
		lat = bpf_ktime_get_ns() - f->ts;
		key.nr = f->nr;
		f->ts = 0;
		if (is_exec(key.nr) && !tgid_wanted(key.pid))
			return 0;
	} else {
		if (!tgid_wanted(key.pid))
			return 0;
		key.nr = regs_syscall_nr(regs);
	}
	key.tid = t->pid;
	key.epoch = current_epoch();

	if (cfg.histogram) {
		struct syscalls_hist *h = hist_row(&key);

		if (!h)
			return 0;
		count_call((struct syscalls_val *)h, ret, lat);
		hist_add(h->slots, lat, false);
		return 0;
	}
	v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		struct syscalls_val init = {};

		init.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		READ_PROCESS_NAME(&init.pcomm, bpf_get_current_task_btf());
		v = insert_row(&counts, &key, &init, key.pid);
		if (!v)
			return 0;
	}
	count_call(v, ret, lat);
	return 0;
}

/* Event mode (option events): one record per syscall through per-CPU rings, beside the counts above. Programs
 * and state of their own, so either mode runs without the other. */

EVENT_RINGS(sys_events);

/* Syscall-set filter: events_nrs[nr] = 1 for the numbers wanted (set by user space before attach). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EVENTS_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u8);
} events_nrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} ev_inflight SEC(".maps");

static __always_inline bool nr_wanted(__u32 nr)
{
	__u8 *w;

	if (!cfg.events_nr_filter)
		return true;
	w = bpf_map_lookup_elem(&events_nrs, &nr);
	return w && *w;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_ev, struct pt_regs *regs, long id)
{
	struct inflight *f;

	if (!tgid_wanted(bpf_get_current_pid_tgid() >> 32) || !nr_wanted(id))
		return 0;
	f = bpf_task_storage_get(&ev_inflight, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f)
		return 0;
	f->nr = id;
	f->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_ev, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscalls_event *e;
	__u64 start = 0, nr;

	if (!tgid_wanted(pid_tgid >> 32))
		return 0;
	if (cfg.latency) {
		struct inflight *f = bpf_task_storage_get(&ev_inflight, bpf_get_current_task_btf(), 0, 0);

		/* no start: the call began before the capture, or its number was filtered out at entry */
		if (!f || !f->ts)
			return 0;
		start = f->ts;
		nr = f->nr;
		f->ts = 0;
	} else {
		nr = regs_syscall_nr(regs);
		if (!nr_wanted(nr))
			return 0;
	}
	e = event_reserve(&sys_events_rings, &sys_events_lost, sizeof(*e));
	if (!e)
		return 0;
	/* the time is read after the reserve: on one CPU the ring then holds records in time order */
	e->ts_ns = bpf_ktime_get_ns();
	e->lat_ns = start ? e->ts_ns - start : 0;
	e->ret = ret;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->nr = nr;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	READ_PROCESS_NAME(&e->pcomm, bpf_get_current_task_btf());
	event_submit(e);
	return 0;
}

/* Keeps the record struct in the BTF, where the decoder reads its layout. */
struct syscalls_event *unused_syscalls_event __attribute__((unused));

char LICENSE[] SEC("license") = "GPL";

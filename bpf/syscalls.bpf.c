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

struct inflight {
	__u64 ts;
	__u64 nr;
};

/* Task-local storage instead of a tid-keyed hash: no hashing and no delete on the hot path. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYSCALLS_MAX_ENTRIES);
	__type(key, struct syscalls_key);
	__type(value, struct syscalls_val);
} counts SEC(".maps");

/* ---- latency histograms (option histogram: the syscalls_hist frame) ---- */

/* Allocated as keys appear (NO_PREALLOC): a capture without histograms pays no memory for them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SYSCALLS_MAX_HISTS);
	__type(key, struct syscalls_key);
	__type(value, struct syscalls_hist);
} hists SEC(".maps");

/* Counts a call of `lat` ns in the histogram of `key` (the caller's thread and syscall). */
static __always_inline void count_in_hist(const struct syscalls_key *key, __u64 lat)
{
	struct syscalls_hist *h = bpf_map_lookup_elem(&hists, key);

	if (!h) {
		/* 624 bytes: too big for the stack, so the first call of a key inserts zeroes and then fills in */
		static const struct syscalls_hist zero = {};

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

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct inflight *f;

	if (!tgid_wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	f = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f)
		return 0;
	f->nr = id;
	f->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscalls_key key;
	struct syscalls_val *v;
	__u64 lat = 0;

	key.pid = pid_tgid >> 32;
	if (!tgid_wanted(key.pid))
		return 0;
	if (cfg.latency) {
		struct inflight *f = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);

		/* no start: the call began before the capture (or it is a restarted call); skip it */
		if (!f || !f->ts)
			return 0;
		lat = bpf_ktime_get_ns() - f->ts;
		key.nr = f->nr;
		f->ts = 0;
	} else {
		key.nr = regs_syscall_nr(regs);
	}
	key.tid = (__u32)pid_tgid;
	key.epoch = current_epoch();

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
	/* Plain adds: a key belongs to one thread, which runs on one CPU at a time. */
	v->count++;
	if (ret < 0 && ret >= -4095)
		v->errors++;
	v->total_ns += lat;
	if (lat > v->max_ns)
		v->max_ns = lat;
	if (cfg.histogram)
		count_in_hist(&key, lat);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

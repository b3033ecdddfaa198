// SPDX-License-Identifier: GPL-2.0
/* offcpu.bpf.c: time off-CPU per thread and stack (offcputime's semantics): at switch-out the thread's kernel
 * and user stacks are recorded in its task storage; at switch-in the time since is charged to those stacks in
 * the interval it ran again. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "offcpu.h"

const volatile struct offcpu_cfg cfg = {};
#include "bpflab.bpf.h"
#include "announce.bpf.h"

#define TASK_RUNNING 0

/* A switched-out thread: since when, and its stacks then. */
struct tstart {
	__u64 ts;               /* 0: on CPU (or not seen leaving it) */
	struct offcpu_stack kstack;
	struct offcpu_stack ustack;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstart);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_ENTRIES);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_STACKS);
	__type(key, struct offcpu_stack_key);
	__type(value, struct offcpu_stack);
} stacks SEC(".maps");

/* FNV-1a over the frames; 0 is kept for "no stack". */
static __always_inline __u64 stack_hash(struct offcpu_stack *s)
{
	__u64 h = 0xcbf29ce484222325ULL ^ s->depth;

	for (int i = 0; i < OFFCPU_MAX_DEPTH; i++) {
		if (i >= s->depth)
			break;
		h = (h ^ s->ips[i]) * 0x100000001b3ULL;
	}
	h &= OFFCPU_HASH_MASK;
	return s->depth && !h ? 1 : s->depth ? h : 0;
}

static __always_inline void record_stack(void *ctx, struct offcpu_stack *s, __u64 flags)
{
	long n = bpf_get_stack(ctx, s->ips, sizeof(s->ips), flags);

	s->depth = n > 0 ? n / sizeof(__u64) : 0;
}

/* Stores stack `s` of interval `epoch` (once: the first row of the interval with it). */
static __always_inline void store_stack(__u32 epoch, __u64 hash, struct offcpu_stack *s)
{
	struct offcpu_stack_key k = { .epoch = epoch, .hash = hash };

	if (!hash)
		return;
	if (bpf_map_update_elem(&stacks, &k, s, BPF_NOEXIST) == -7 /* E2BIG: full */)
		count_lost();
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	struct tstart *s;

	/* prev leaves the CPU: current is still prev here, so its stacks are what bpf_get_stack walks */
	if (prev->pid && tgid_wanted(prev->tgid) &&
	    !(cfg.blocked_only && (preempt || prev_state == TASK_RUNNING))) {
		s = bpf_task_storage_get(&starts, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		/* NULL with CREATE: no memory, or task storage busy on this CPU (a tracing program's storage calls
		 * fail while another storage operation on this CPU is under way: a task's storage being freed at its
		 * exit, preempted here): this block's time cannot be measured, so it is counted as lost */
		if (!s)
			count_lost_of(prev->tgid);
		if (s) {
			s->ts = now;
			s->kstack.depth = 0;
			s->ustack.depth = 0;
			if (cfg.kernel_stacks)
				record_stack(ctx, &s->kstack, 0);
			if (cfg.user_stacks)
				record_stack(ctx, &s->ustack, BPF_F_USER_STACK);
		}
	}

	if (!next->pid || !tgid_wanted(next->tgid))
		return 0;
	/* CREATE, so that NULL means what it does above, not "never seen leaving": a block whose end cannot be
	 * read is counted as lost rather than dropped unseen */
	s = bpf_task_storage_get(&starts, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_lost_of(next->tgid);
		return 0;
	}
	if (!s->ts)
		return 0;
	__u64 delta = now - s->ts;

	s->ts = 0;
	if (delta < cfg.min_block_ns || (cfg.max_block_ns && delta > cfg.max_block_ns))
		return 0;
	struct offcpu_key key = {
		.epoch = current_epoch(),
		.tid = next->pid,
		.pid = next->tgid,
		.kern_hash = stack_hash(&s->kstack),
		.user_hash = stack_hash(&s->ustack),
	};
	struct offcpu_val *v = bpf_map_lookup_elem(&blocked, &key);

	if (!v) {
		struct offcpu_val init = {};

		init.cgroup_id = task_cgroup_id(next);
		BPF_CORE_READ_STR_INTO(&init.comm, next, comm);
		READ_PROCESS_NAME(&init.pcomm, next);
		v = insert_row(&blocked, &key, &init, key.pid);
		if (!v)
			return 0;
		store_stack(key.epoch, key.kern_hash, &s->kstack);
		store_stack(key.epoch, key.user_hash, &s->ustack);
		announce(key.pid);
	}
	__sync_fetch_and_add(&v->offcpu_ns, delta);
	__sync_fetch_and_add(&v->blocks, 1);
	return 0;
}

ANNOUNCE_EXEC_PROG(offcpu_exec)

char LICENSE[] SEC("license") = "GPL";

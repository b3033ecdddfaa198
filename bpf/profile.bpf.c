// SPDX-License-Identifier: GPL-2.0
/* profile.bpf.c: timed stack sampling (software cpu-clock perf events, one per CPU, attached by user space):
 * samples per thread and (kernel stack, user stack) per interval, the stacks in two stack maps by epoch parity. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile.h"

#define EFAULT 14 /* what bpf_get_stackid returns for "no such stack" */

const volatile struct profile_cfg cfg = {};
#include "bpflab.bpf.h"

#define STACK_MAP(name)                                                          \
	struct {                                                                 \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                          \
		__uint(max_entries, PROFILE_MAX_STACKS);                         \
		__type(key, __u32);                                              \
		__uint(value_size, PROFILE_MAX_DEPTH * sizeof(__u64));           \
	} name SEC(".maps")

/* Two stack maps, one per epoch parity: an id stays valid until user space has read its epoch's rows. */
STACK_MAP(stacks0);
STACK_MAP(stacks1);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_ENTRIES);
	__type(key, struct profile_key);
	__type(value, struct profile_val);
} samples SEC(".maps");

/* Processes already announced (pid -> 1). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PROFILE_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} announced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PROFILE_RINGBUF_SIZE);
} pids SEC(".maps");

/* Only the ring buffer carries it: this anchor puts the struct in BTF for the layout check. */
struct profile_announce *unused_profile_announce __attribute__((unused));

static __always_inline __s32 stack_id(void *ctx, __u32 epoch, __u64 flags)
{
	return epoch & 1 ? bpf_get_stackid(ctx, &stacks1, flags) : bpf_get_stackid(ctx, &stacks0, flags);
}

/* Tells user space about a process it has not seen (a lost announcement only costs that process's symbols). */
static __always_inline void announce(__u32 tgid)
{
	struct profile_announce *a;
	__u8 one = 1;

	if (bpf_map_update_elem(&announced, &tgid, &one, BPF_NOEXIST))
		return; /* already announced */
	a = bpf_ringbuf_reserve(&pids, sizeof(*a), 0);
	if (!a) {
		bpf_map_delete_elem(&announced, &tgid); /* try again at its next sample */
		return;
	}
	a->pid = tgid;
	a->pad = 0;
	bpf_ringbuf_submit(a, BPF_RB_NO_WAKEUP);
}

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct profile_key key = {};
	struct profile_val *v;

	/* tid 0 is a CPU's idle task: time nobody used */
	if (!tid && !cfg.include_idle)
		return 0;
	if (!tgid_wanted(tgid))
		return 0;
	key.epoch = current_epoch();
	key.tid = tid;
	key.pid = tgid;
	key.kern_stack_id = cfg.kernel_stacks ? stack_id(ctx, key.epoch, 0) : -EFAULT;
	key.user_stack_id = cfg.user_stacks && tgid ? stack_id(ctx, key.epoch, BPF_F_USER_STACK) : -EFAULT;
	v = bpf_map_lookup_elem(&samples, &key);
	if (!v) {
		struct task_struct *t = bpf_get_current_task_btf();
		struct profile_val init = {};

		init.cgroup_id = task_cgroup_id(t);
		bpf_get_current_comm(&init.comm, sizeof(init.comm));
		READ_PROCESS_NAME(&init.pcomm, t);
		v = insert_row(&samples, &key, &init);
		if (!v)
			return 0;
		if (tgid)
			announce(tgid);
	}
	__sync_fetch_and_add(&v->samples, 1);
	return 0;
}

/* exec replaces the mappings: announce the process again at its next sample so user space rereads them. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(profile_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;

	bpf_map_delete_elem(&announced, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

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
#include "announce.bpf.h"

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

static __always_inline __s32 stack_id(void *ctx, __u32 epoch, __u64 flags)
{
	return epoch & 1 ? bpf_get_stackid(ctx, &stacks1, flags) : bpf_get_stackid(ctx, &stacks0, flags);
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
		v = insert_row(&samples, &key, &init, tgid);
		if (!v)
			return 0;
		announce(tgid);
	}
	__sync_fetch_and_add(&v->samples, 1);
	return 0;
}

ANNOUNCE_EXEC_PROG(profile_exec)

char LICENSE[] SEC("license") = "GPL";

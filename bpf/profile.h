/* profile.h: shared by profile.bpf.c and kernel/collectors/profile.ts (layouts are a contract). */
#ifndef PROFILE_H
#define PROFILE_H

#include "bpflab.h"

#define PROFILE_MAX_DEPTH   127   /* frames per stack: PERF_MAX_STACK_DEPTH, the most bpf_get_stackid walks */
#define PROFILE_MAX_STACKS  16384 /* distinct kernel + user stacks per interval (each of the two stack maps) */
#define PROFILE_MAX_ENTRIES 65536 /* (thread, stack pair) rows over two live epochs; a full map counts as lost */

struct profile_cfg {
	struct bpflab_filter_cfg filter;
	__u8 kernel_stacks;     /* 1: walk the kernel stack of each sample */
	__u8 user_stacks;       /* 1: walk the user stack (frame pointers) */
	__u8 include_idle;      /* 1: keep samples of the idle task (tid 0) */
	__u8 pad[5];
};                          /* 16 bytes */

/* A stack id is an index into stacks0 (even epochs) or stacks1 (odd epochs): user space reads the stacks of
 * epoch N after its rows and then empties that map, which epoch N+1 does not write. Negative ids are the
 * errors of bpf_get_stackid: -EFAULT (no such stack: a kernel thread has no user stack, a sample in user mode
 * no kernel stack), -EEXIST (hash collision), -ENOMEM (map full). */
struct profile_key {
	__u32 epoch;
	__u32 tid;
	__u32 pid;              /* tgid */
	__s32 kern_stack_id;
	__s32 user_stack_id;
	__u32 pad;
};                          /* 24 bytes */

struct profile_val {
	__u64 samples;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 48 bytes */

#endif /* PROFILE_H */

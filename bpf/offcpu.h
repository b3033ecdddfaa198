/* offcpu.h: shared by offcpu.bpf.c and kernel/collectors/offcpu.ts (layouts are a contract). */
#ifndef OFFCPU_H
#define OFFCPU_H

#include "bpflab.h"

#define OFFCPU_MAX_DEPTH   64    /* frames kept per stack (kernel and user each) */
#define OFFCPU_MAX_ENTRIES 65536 /* (thread, stack pair) rows over two live epochs; a full map counts as lost */
#define OFFCPU_MAX_STACKS  32768 /* distinct stacks over two live epochs; a full map counts as lost */
#define OFFCPU_HASH_MASK   0xfffffffffffffULL /* 52-bit stack hashes: exact as JavaScript numbers */

struct offcpu_cfg {
	struct bpflab_filter_cfg filter;
	__u64 min_block_ns;     /* shorter times off-CPU are not counted */
	__u64 max_block_ns;     /* nor longer ones (0: no limit) */
	__u8  kernel_stacks;    /* 1: record the kernel stack at switch-out */
	__u8  user_stacks;      /* 1: record the user stack (frame pointers) */
	__u8  blocked_only;     /* 1: skip switch-outs of runnable (preempted) threads: blocked time only */
	__u8  pad[5];
};                          /* 32 bytes */

/* Stacks are recorded at switch-out into the thread's storage and identified by a hash of their frames, so
 * a block that spans intervals still has its stack when it ends; the stacks of interval N's rows are stored
 * keyed by N and drained with them. Hash 0: no stack. */
struct offcpu_key {
	__u32 epoch;            /* the interval in which the thread ran again */
	__u32 tid;
	__u32 pid;              /* tgid */
	__u32 pad;
	__u64 kern_hash;
	__u64 user_hash;
};                          /* 32 bytes */

struct offcpu_val {
	__u64 offcpu_ns;        /* switch-out to switch-in */
	__u64 blocks;           /* switch-outs that ended in the interval */
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 56 bytes */

struct offcpu_stack_key {
	__u32 epoch;
	__u32 pad;
	__u64 hash;
};                          /* 16 bytes */

struct offcpu_stack {
	__u32 depth;            /* frames used in ips */
	__u32 pad;
	__u64 ips[OFFCPU_MAX_DEPTH];  /* innermost first */
};                          /* 520 bytes */

#endif /* OFFCPU_H */

/* syscalls.h: shared by syscalls.bpf.c and kernel/collectors/syscalls.ts (layouts are a contract). */
#ifndef SYSCALLS_H
#define SYSCALLS_H

#include "bpflab.h"

#define SYSCALLS_MAX_ENTRIES 65536 /* (tid, syscall) pairs over two live epochs; a full map counts as lost */
#define SYSCALLS_MAX_HISTS   65536 /* with histograms, the rows (656 bytes, allocated when first used): 40 MiB at most */

struct syscalls_cfg {
	struct bpflab_filter_cfg filter;
	__u8 latency;           /* 1: time each call (sys_enter is attached); 0: count only */
	__u8 histogram;         /* 1: also count each call's latency in its (tid, syscall) histogram */
	__u8 events_nr_filter;  /* event mode: 1: only syscalls set in the events_nrs map */
	__u8 pad[5];
};                          /* 16 bytes */

struct syscalls_key {
	__u32 epoch;
	__u32 tid;
	__u32 pid;              /* tgid */
	__u32 nr;               /* syscall number of the running architecture */
};                          /* 16 bytes */

struct syscalls_val {
	__u64 count;
	__u64 errors;           /* returns in [-4095, -1] */
	__u64 total_ns;         /* sum of enter-to-exit latency (0 without latency) */
	__u64 max_ns;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 72 bytes */

/* With histograms, the row of one (tid, syscall) per interval, keyed by struct syscalls_key: syscalls_val's
 * fields, in its order, then the latency buckets (hist.bpf.h). A call then updates one map element, not two,
 * and both frames (syscalls, syscalls_hist) read this map. */
struct syscalls_hist {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 max_ns;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	__u32 slots[BPFLAB_HIST_SLOTS]; /* calls per latency bucket */
};                          /* 656 bytes */

#endif /* SYSCALLS_H */

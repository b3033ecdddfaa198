/* ufunc.h: shared by ufunc.bpf.c and kernel/collectors/ufunc.ts (layouts are a contract). */
#ifndef UFUNC_H
#define UFUNC_H

#include "bpflab.h"

#define UFUNC_MAX_FUNCS   64     /* functions per capture: each costs two perf-event links (entry, return) */
#define UFUNC_MAX_DEPTH   16     /* nested traced calls timed per thread; deeper ones count as lost */
#define UFUNC_MAX_ENTRIES 65536  /* (tid, function) pairs over two live epochs; a full map counts as lost */
#define UFUNC_MAX_HISTS   16384  /* histograms (624 bytes each, allocated when first used): at most 10 MiB */

struct ufunc_cfg {
	struct bpflab_filter_cfg filter;
	__u8 latency;           /* 1: time each call (uretprobes attached); 0: count calls at entry only */
	__u8 histogram;         /* 1: also count each call's latency in its (tid, function) histogram */
	__u8 pad[6];
};                          /* 16 bytes */

struct ufunc_key {
	__u32 epoch;
	__u32 tid;
	__u32 pid;              /* tgid */
	__u32 func_id;          /* the attach cookie: index into the capture's function list */
};                          /* 16 bytes */

struct ufunc_val {
	__u64 calls;            /* calls that returned (without latency: that began) in the interval */
	__u64 total_ns;         /* sum of entry-to-return time (0 without latency) */
	__u64 max_ns;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 64 bytes */

/* The latency histogram of one (tid, function) per interval, keyed by struct ufunc_key (hist.bpf.h buckets). */
struct ufunc_hist {
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	__u32 slots[BPFLAB_HIST_SLOTS]; /* calls per latency bucket */
};                          /* 624 bytes */

/* Per-thread stack of traced calls in flight (task storage): the entry of the innermost call on top. */
struct ufunc_stack {
	__u64 start_ns[UFUNC_MAX_DEPTH]; /* bpf_ktime_get_ns() at entry */
	__u32 func_id[UFUNC_MAX_DEPTH];
	__u32 depth;            /* may exceed UFUNC_MAX_DEPTH: frames above it are counted but not timed */
	__u32 pad;
};                          /* 200 bytes */

#endif /* UFUNC_H */

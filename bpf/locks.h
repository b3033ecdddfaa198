/* locks.h: shared by locks.bpf.c and kernel/collectors/locks.ts (layouts are a contract). */
#ifndef LOCKS_H
#define LOCKS_H

#include "bpflab.h"

#define LOCKS_MAX_ENTRIES 16384 /* (thread, lock type) rows over two live epochs; a full map counts as lost */
#define LOCKS_MAX_HISTS   16384 /* with histograms, the rows (656 bytes, allocated when first used): 10 MiB at most */
#define LOCKS_MAX_DEPTH   4     /* contentions in progress per thread (a spinlock inside a mutex's wait, ...) */

/* The lock:contention_begin flags (include/trace/events/lock.h). */
#define LOCKS_F_SPIN   (1U << 0)
#define LOCKS_F_READ   (1U << 1)
#define LOCKS_F_WRITE  (1U << 2)
#define LOCKS_F_RT     (1U << 3)
#define LOCKS_F_PERCPU (1U << 4)
#define LOCKS_F_MUTEX  (1U << 5)

struct locks_cfg {
	struct bpflab_filter_cfg filter;
	__u8 histogram;         /* 1: count each wait in the thread's histogram of its lock type (locks_hist) */
	__u8 pad[7];
};                          /* 16 bytes */

struct locks_key {
	__u32 epoch;
	__u32 tid;
	__u32 pid;              /* tgid */
	__u32 flags;            /* the contention's flags without SPIN for sleeping locks: the lock's type */
};                          /* 16 bytes */

struct locks_val {
	__u64 count;            /* waits that ended in the interval */
	__u64 failed;           /* of those, ended without the lock (interrupted, timed out: ret != 0) */
	__u64 total_ns;         /* total time waiting */
	__u64 max_ns;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
};                          /* 72 bytes */

/* With histograms, the row of one (thread, lock type) per interval: locks_val's fields, in its order, then the
 * wait buckets, so that a wait updates one map element, not two; both frames (locks, locks_hist) read it. */
struct locks_hist {
	__u64 count;
	__u64 failed;
	__u64 total_ns;
	__u64 max_ns;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	__u32 slots[BPFLAB_HIST_SLOTS]; /* waits per latency bucket */
};                          /* 656 bytes */

/* The contentions a thread is in (task storage), innermost last. */
struct locks_waits {
	__u64 lock[LOCKS_MAX_DEPTH];     /* the lock's address */
	__u64 start_ns[LOCKS_MAX_DEPTH];
	__u32 flags[LOCKS_MAX_DEPTH];
	__u32 depth;
	__u32 pad;
	__u64 wanted_gen;       /* filter_generation() when the filter last wanted the process (0: not known) */
};                          /* 96 bytes */

#endif /* LOCKS_H */

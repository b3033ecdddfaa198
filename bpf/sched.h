/* sched.h: shared by sched.bpf.c and kernel/collectors/sched.ts (layouts are a contract). */
#ifndef SCHED_H
#define SCHED_H

#include "bpflab.h"

#define SCHED_MAX_ENTRIES 65536 /* threads seen per two live epochs; a full map counts as lost */
#define SCHED_MAX_HISTS   16384 /* run-queue histograms (632 bytes each, allocated when first used): 10 MiB at most */
#define SCHED_MAX_WAITS   16384 /* (woken thread, waker process) rows over two live epochs; a full map counts as lost */
#define SCHED_WAIT_MIN_NS 1000000ULL /* shorter blocks say little of whom a thread waits on, and are most wakeups */

struct sched_cfg {
	struct bpflab_filter_cfg filter;
	__u8 histogram;         /* 1: count each run-queue wait in the thread's histogram (sched_hist) */
	__u8 waits;             /* 1: whom each long wait of a thread was on (sched_waits) */
	__u8 pad[6];
};                          /* 16 bytes */

struct sched_key {
	__u32 epoch;
	__u32 tid;
};                          /* 8 bytes */

struct sched_val {
	__u64 oncpu_ns;         /* CPU time charged by the scheduler (sched_stat_runtime) */
	__u64 runq_ns;          /* runnable but waiting for a CPU: wakeup (or preemption) to switch-in, charged to
				 * each interval as it passes (sched_charge), so a thread starved for seconds has a
				 * row in each */
	__u64 offcpu_ns;        /* blocked (sleep, I/O, lock): switch-out to wakeup, charged to each interval as it
				 * passes (sched_charge), so a thread blocked for a long time has a row in each */
	__u64 vol_switches;     /* switched out while blocking */
	__u64 invol_switches;   /* preempted while runnable */
	__u64 migrations;
	__u64 cgroup_id;
	__u32 pid;              /* tgid */
	__u32 pad;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 96 bytes */

/* The run-queue latency histogram of one thread per interval (wakeup or preemption to switch-in), keyed by
 * struct sched_key (hist.bpf.h buckets). Each wait is counted whole, in the interval of its switch-in (unlike
 * runq_ns, not split at the boundaries: a histogram of wait lengths must see a 2 s wait as one). */
struct sched_hist {
	__u64 cgroup_id;
	__u32 pid;              /* tgid */
	__u32 pad;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	__u32 slots[BPFLAB_HIST_SLOTS]; /* waits per latency bucket */
};                          /* 632 bytes */

/* Whom a thread waited on, per interval: SCHED_WAIT_WAKEUP, a block of SCHED_WAIT_MIN_NS or more that another
 * process's thread ended by waking it (in its own context: not a timer or device interrupt); SCHED_WAIT_CPU, a
 * run-queue wait as long, for the CPU another process's thread held until it was switched in. */
#define SCHED_WAIT_WAKEUP 0
#define SCHED_WAIT_CPU    1

struct sched_wait_key {
	__u32 epoch;
	__u32 tid;              /* the waiting thread */
	__u32 pid;              /* its tgid */
	__u32 by_pid;           /* the other process (tgid): the waker, or the CPU's holder */
	__u32 kind;             /* SCHED_WAIT_* */
};                          /* 20 bytes */

struct sched_wait_val {
	__u64 count;            /* waits it ended (wakeup) or its CPU ended (cpu) */
	__u64 total_ns;         /* how long they had lasted */
	__u64 max_ns;
	__u64 cgroup_id;
	__u32 by_tid;           /* the other thread (the last, if several) */
	__u32 pad;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	char  by_comm[BPFLAB_COMM_LEN]; /* the other process's name (its thread-group leader's comm) */
};                          /* 88 bytes */

#endif /* SCHED_H */

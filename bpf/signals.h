/* signals.h: shared by signals.bpf.c and kernel/collectors/signals.ts (layouts are a contract). */
#ifndef SIGNALS_H
#define SIGNALS_H

#include "bpflab.h"

#define SIGNALS_RINGBUF_SIZE (1 << 20) /* 1 MiB: ~8,000 records, drained every 50-200 ms: headroom for signal storms */
#define SIGNALS_MAX_PENDING  8192      /* (process, signal) pairs sent and not yet delivered, for the sender's name */

enum signals_event_kind {
	SIGNALS_GENERATE = 1, /* a signal was sent (or raised by the kernel) to a process or thread */
	SIGNALS_DELIVER = 2,  /* a thread is about to act on it (handler, default action or ignore) */
	SIGNALS_OOM_KILL = 3, /* the OOM killer chose this process (oom:mark_victim) */
	SIGNALS_EXIT = 4,     /* a process ended by a signal (its exit status says so) */
};

struct signals_cfg {
	struct bpflab_filter_cfg filter;
};                          /* 8 bytes */

struct signals_event {
	__u64 ts_ns;            /* bpf_ktime_get_ns(): monotonic */
	__u64 cgroup_id;        /* the target's */
	__u64 rss_pages;        /* oom_kill: the victim's anon + file + shmem pages; else 0 */
	__u32 kind;             /* enum signals_event_kind */
	__u32 sig;              /* signal number */
	__u32 pid;              /* the target: the process the signal is for (the victim, the one that exited) */
	__u32 tid;
	__u32 sender_pid;       /* generate: the task that sent it (current); deliver: si_pid when a process sent it,
				 * else 0; oom_kill: the task whose allocation ran the OOM killer */
	__u32 sender_tid;
	__s32 result;           /* generate: TRACE_SIGNAL_* (0 delivered, 1 ignored, 2 already pending, ...) */
	__s32 code;             /* si_code (0 SI_USER: kill(2), -6 SI_TKILL, 0x80 SI_KERNEL, > 0 faults); exit: 1 core */
	__u32 action;           /* deliver: 0 default action, 1 ignored, 2 a handler */
	__u32 group;            /* generate: 1 sent to the whole process, 0 to one thread */
	char  comm[BPFLAB_COMM_LEN];        /* the target thread's */
	char  pcomm[BPFLAB_COMM_LEN];       /* its thread-group leader's */
	char  sender_comm[BPFLAB_COMM_LEN]; /* the sender's, when known */
};                          /* 112 bytes */

/* What a generate left for the deliver that follows it: who sent (target tgid, signal) last. */
struct signals_sender {
	__u32 pid;
	__u32 tid;
	char  comm[BPFLAB_COMM_LEN];
};                          /* 24 bytes */

#endif /* SIGNALS_H */

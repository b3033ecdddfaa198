/* events.h: the record structs of the event frames (syscalls_events, sched_events); shared by the collectors'
 * BPF sides and kernel/collectors/{syscalls,sched}.ts (layouts are a contract, checked against the BTF). */
#ifndef EVENTS_H
#define EVENTS_H

#include "bpflab.h"

#define EVENTS_MAX_SYSCALLS 1024 /* syscall numbers the syscall-set filter can name (x86-64 has ~460) */

/* One syscall, emitted where it returns. */
struct syscalls_event {
	__u64 ts_ns;            /* bpf_ktime_get_ns() at return: CLOCK_MONOTONIC */
	__u64 lat_ns;           /* enter-to-exit time (0 without latency) */
	__s64 ret;              /* the return value (-errno on failure) */
	__u64 cgroup_id;
	__u32 pid;              /* tgid */
	__u32 tid;
	__u32 nr;               /* syscall number of the running architecture */
	__u32 pad;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 80 bytes */

/* One context switch: `prev` leaves the CPU, `next` takes it. The identity fields are prev's. */
struct sched_event {
	__u64 ts_ns;
	__u64 cgroup_id;        /* prev's */
	__u32 pid;              /* prev's tgid */
	__u32 tid;              /* prev's tid */
	__u32 next_pid;
	__u32 next_tid;
	__u32 cpu;
	__u32 prev_state;       /* 0: preempted while runnable; else the TASK_* state it blocks in */
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	char  next_comm[BPFLAB_COMM_LEN];
};                          /* 88 bytes */

#endif /* EVENTS_H */

// SPDX-License-Identifier: GPL-2.0
/* sched.bpf.c: per-thread on-CPU, run-queue and off-CPU time, switches and migrations, per interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched.h"

const volatile struct sched_cfg cfg = {};
#include "bpflab.bpf.h"

#define TASK_RUNNING 0

/* Where a thread is between switch-out and switch-in. */
struct tstate {
	__u64 out_ts;    /* last switch-out; 0 = unknown (seen first while running) */
	__u64 wake_ts;   /* wakeup after a blocking switch-out */
	__u32 out_state; /* prev_state at switch-out: TASK_RUNNING means preempted */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstate);
} tstates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCHED_MAX_ENTRIES);
	__type(key, struct sched_key);
	__type(value, struct sched_val);
} stats SEC(".maps");

/* The interval's row of thread `t`, created on first sight with its identity. NULL (and counted lost) when
 * the map is full. */
static __always_inline struct sched_val *row_of(struct task_struct *t, __u32 tid, __u32 tgid)
{
	struct sched_key key = { .epoch = current_epoch(), .tid = tid };
	struct sched_val *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		return v;
	struct sched_val init = {};

	init.pid = tgid;
	init.cgroup_id = task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&init.comm, t, comm);
	return insert_row(&stats, &key, &init);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	struct tstate *s;
	struct sched_val *v;
	__u32 tid, tgid;

	tid = prev->pid;
	tgid = prev->tgid;
	/* tid 0 is the idle task of each CPU: not a thread of anyone */
	if (tid && tgid_wanted(tgid)) {
		s = bpf_task_storage_get(&tstates, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (s) {
			s->out_ts = now;
			s->wake_ts = 0;
			s->out_state = prev_state;
		}
		v = row_of(prev, tid, tgid);
		if (v) {
			if (prev_state == TASK_RUNNING)
				v->invol_switches++;
			else
				v->vol_switches++;
		}
	}

	tid = next->pid;
	tgid = next->tgid;
	if (!tid || !tgid_wanted(tgid))
		return 0;
	s = bpf_task_storage_get(&tstates, next, 0, 0);
	/* no switch-out seen: it was off-CPU since before the capture began, its wait is unknown */
	if (!s || !s->out_ts)
		return 0;
	v = row_of(next, tid, tgid);
	if (v) {
		if (s->out_state == TASK_RUNNING) {
			v->runq_ns += now - s->out_ts;
		} else if (s->wake_ts) {
			v->offcpu_ns += s->wake_ts - s->out_ts;
			v->runq_ns += now - s->wake_ts;
		} else {
			/* woken without a wakeup event (e.g. a signal's stop/continue path): all of it is off-CPU */
			v->offcpu_ns += now - s->out_ts;
		}
	}
	s->out_ts = 0;
	s->wake_ts = 0;
	return 0;
}

static __always_inline void on_wakeup(struct task_struct *p)
{
	struct tstate *s = bpf_task_storage_get(&tstates, p, 0, 0);

	if (s && s->out_ts && !s->wake_ts)
		s->wake_ts = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

/* The scheduler's own CPU-time accounting (what /proc/<pid>/stat sums), charged at each tick and switch:
 * a thread that never switches out still shows its CPU time in every interval. */
SEC("tp_btf/sched_stat_runtime")
int BPF_PROG(sched_stat_runtime, struct task_struct *curr, __u64 runtime)
{
	__u32 tid = curr->pid, tgid = curr->tgid;
	struct sched_val *v;

	if (!tid || !tgid_wanted(tgid))
		return 0;
	v = row_of(curr, tid, tgid);
	if (v)
		v->oncpu_ns += runtime;
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	__u32 tid = p->pid, tgid = p->tgid;
	struct sched_val *v;

	if (!tid || !tgid_wanted(tgid))
		return 0;
	v = row_of(p, tid, tgid);
	if (v)
		__sync_fetch_and_add(&v->migrations, 1); /* migrations are charged from other CPUs */
	return 0;
}

/* exec renames the thread: the interval's row, created under the old name (e.g. "sh" between fork and exec),
 * takes the new one, so the CPU time lands under the program that used it. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct sched_key key = { .epoch = current_epoch(), .tid = p->pid };
	struct sched_val *v;

	if (!tgid_wanted(p->tgid))
		return 0;
	v = bpf_map_lookup_elem(&stats, &key);
	if (v)
		BPF_CORE_READ_STR_INTO(&v->comm, p, comm);
	return 0;
}

BPFLAB_FORK_TRACKER(sched_fork)

char LICENSE[] SEC("license") = "GPL";

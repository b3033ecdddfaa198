// SPDX-License-Identifier: GPL-2.0
/* sched.bpf.c: per-thread on-CPU, run-queue and off-CPU time, switches and migrations, per interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched.h"

const volatile struct sched_cfg cfg = {};
#include "bpflab.bpf.h"
#include "hist.bpf.h"
#include "events.bpf.h"

#define TASK_RUNNING 0
#define TASK_DEAD    0x80

/* Where a thread is between switch-out and switch-in. */
struct tstate {
	__u64 out_ts;     /* last switch-out (or, first seen at a wakeup, since when it is known to be blocked); 0: on CPU
			   * (or waiting since before it was first seen: no whole wait to put in the histogram) */
	__u64 wake_ts;    /* wakeup after a blocking switch-out */
	__u64 charged_ts; /* blocked time before this is already charged; 0: not blocked (or all charged) */
	__u64 rq_ts;      /* run-queue wait before this is already charged (to runq_ns); 0: not waiting. out_ts and
			   * wake_ts keep where the whole wait began, for the histogram */
	__u64 known;      /* a switch or wakeup of this thread has been seen (storage is created zeroed); 64 bits:
			   * claimed with a compare-and-swap, and clang 14's BPF target (no -mcpu=v3) has no 32-bit one */
	__u32 runnable;   /* switched out preempted: it waits on the run queue, not blocked */
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

/* ---- run-queue latency histograms (option histogram: the sched_hist frame) ---- */

/* Allocated as threads appear (NO_PREALLOC): a capture without histograms pays no memory for them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SCHED_MAX_HISTS);
	__type(key, struct sched_key);
	__type(value, struct sched_hist);
} hists SEC(".maps");

/* Counts one run-queue wait of `wait` ns of thread `t` (being switched in) in its histogram of this interval. */
static __always_inline void count_runq_wait(struct task_struct *t, __u32 tid, __u32 tgid, __u64 wait)
{
	struct sched_key key = { .epoch = current_epoch(), .tid = tid };
	struct sched_hist *h = bpf_map_lookup_elem(&hists, &key);

	if (!h) {
		/* too big for the stack: insert zeroes, then fill the identity in */
		static const struct sched_hist zero = {};

		h = insert_row(&hists, &key, &zero, tgid);
		if (!h)
			return;
		h->pid = tgid;
		h->cgroup_id = task_cgroup_id(t);
		BPF_CORE_READ_STR_INTO(&h->comm, t, comm);
		READ_PROCESS_NAME(&h->pcomm, t);
	}
	hist_add(h->slots, wait, false);
}

/* ---- end of run-queue latency histograms ---- */

/* ---- whom a thread waited on (option waits: the sched_waits frame) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCHED_MAX_WAITS);
	__type(key, struct sched_wait_key);
	__type(value, struct sched_wait_val);
} waits SEC(".maps");

/* One wait of thread `t` (of process `tgid`) on process `btgid`'s thread `btid` (named `bcomm`), `ns` long, in this
 * interval's row. */
static __always_inline void count_wait(struct task_struct *t, __u32 tgid, __u32 btgid, __u32 btid, const char *bcomm,
				       __u32 kind, __u64 ns)
{
	struct sched_wait_key key = { .epoch = current_epoch(), .tid = t->pid, .pid = tgid, .by_pid = btgid, .kind = kind };
	struct sched_wait_val *v = bpf_map_lookup_elem(&waits, &key);

	if (!v) {
		struct sched_wait_val init = {};

		init.cgroup_id = task_cgroup_id(t);
		BPF_CORE_READ_STR_INTO(&init.comm, t, comm);
		READ_PROCESS_NAME(&init.pcomm, t);
		__builtin_memcpy(init.by_comm, bcomm, BPFLAB_COMM_LEN);
		v = insert_row(&waits, &key, &init, tgid);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->total_ns, ns);
	if (ns > v->max_ns)
		v->max_ns = ns; /* a racing larger one may be lost: a maximum of 1 ms+ waits, not a count */
	v->by_tid = btid;
}

/* Per CPU: since when its current thread runs, and the last HOLDER_RUNS runs of 1 ms or more on it (any
 * process's, traced or not): whom a thread queued on this CPU waited behind. A hog's slices are a few ms each, so
 * eight of them cover the waits that matter most of the way. */
#define HOLDER_RUNS 8 /* a power of two: indices are masked with HOLDER_RUNS - 1 */

struct cpu_run {
	__u64 start_ts;
	__u64 end_ts;
	__u32 tgid;
	__u32 tid;
	char  pcomm[BPFLAB_COMM_LEN];
};

struct cpu_holder {
	__u64 in_ts;            /* the current thread's switch-in */
	__u32 next;             /* the slot the next long run goes in */
	__u32 pad;
	struct cpu_run runs[HOLDER_RUNS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_holder);
} holders SEC(".maps");

/* At a switch away from `prev`: its run, if 1 ms or more, joins this CPU's last long runs. */
static __always_inline struct cpu_holder *note_holder(struct task_struct *prev, __u64 now)
{
	__u32 k = 0;
	struct cpu_holder *h = bpf_map_lookup_elem(&holders, &k);

	if (!h)
		return NULL;
	if (h->in_ts && now > h->in_ts && now - h->in_ts >= SCHED_WAIT_MIN_NS && prev->pid) {
		struct cpu_run *r = &h->runs[h->next % HOLDER_RUNS];

		r->start_ts = h->in_ts;
		r->end_ts = now;
		r->tgid = prev->tgid;
		r->tid = prev->pid;
		READ_PROCESS_NAME(&r->pcomm, prev);
		h->next++;
	}
	h->in_ts = now;
	return h;
}

/* The part of run `r` inside [since, now], 0 if none or if it is a run of process `tgid` itself. */
static __always_inline __u64 run_overlap(struct cpu_run *r, __u32 tgid, __u64 since, __u64 now)
{
	__u64 from, to;

	if (!r->end_ts || r->end_ts <= since || r->start_ts >= now || r->tgid == tgid)
		return 0;
	from = r->start_ts > since ? r->start_ts : since;
	to = r->end_ts < now ? r->end_ts : now;
	return to - from;
}

struct queue_scan {
	struct cpu_holder *h;
	__u64 since, now, most, sum;
	__u32 tgid, best;
};

static long most_overlap(__u32 i, struct queue_scan *q)
{
	/* bpf_loop keeps i below HOLDER_RUNS; the mask (not a compare, which clang checks on a copy) tells the
	 * verifier */
	__u64 o = run_overlap(&q->h->runs[i & (HOLDER_RUNS - 1)], q->tgid, q->since, q->now);

	if (o > q->most) {
		q->most = o;
		q->best = i;
	}
	return 0;
}

static long holder_overlap(__u32 i, struct queue_scan *q)
{
	/* one load of best, checked and used in the same register: the verifier bounds that one */
	__u32 b = *(volatile __u32 *)&q->best;
	struct cpu_run *r;

	if (b >= HOLDER_RUNS)
		return 1;
	r = &q->h->runs[i & (HOLDER_RUNS - 1)];
	if (r->tgid == q->h->runs[b].tgid)
		q->sum += run_overlap(r, q->tgid, q->since, q->now);
	return 0;
}

/* The wait of `t` (process `tgid`) for this CPU from `since` to `now`: charged to the process of the long run
 * that covered most of it, for all of that process's last long runs' part of it, if 1 ms or more. bpf_loop, not
 * a loop: the verifier walks each iteration of a loop again, which made every capture's load 300 ms slower. */
static __always_inline void charge_queue(struct cpu_holder *h, struct task_struct *t, __u32 tgid, __u64 since,
					 __u64 now)
{
	struct queue_scan q = { .h = h, .since = since, .now = now, .tgid = tgid, .best = HOLDER_RUNS };

	bpf_loop(HOLDER_RUNS, most_overlap, &q, 0);
	if (q.best >= HOLDER_RUNS)
		return;
	bpf_loop(HOLDER_RUNS, holder_overlap, &q, 0);
	if (q.sum >= SCHED_WAIT_MIN_NS) {
		struct cpu_run *r = &h->runs[q.best & (HOLDER_RUNS - 1)];

		count_wait(t, tgid, r->tgid, r->tid, r->pcomm, SCHED_WAIT_CPU, q.sum);
	}
}

/* How deep this CPU is in work done for nobody in particular: a device interrupt, a timer's expiry, an irq_work,
 * a softirq other than NET_RX. A wakeup from there is nobody's: `current` is whoever it interrupted. (The preempt
 * count would say so directly, but it is a per-CPU variable kallsyms does not list without KALLSYMS_ALL.) */
struct nobody_ctx {
	__u32 depth;
	__u32 pad;
	__u64 since;            /* the latest entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nobody_ctx);
} nobody SEC(".maps");

#define NET_RX_SOFTIRQ 3
/* No interrupt or softirq lasts this long (softirqs yield to ksoftirqd after 2 ms): a depth older than this is
 * an entry whose exit came before that program was attached, and is dropped. */
#define NOBODY_STALE_NS 50000000ULL

static __always_inline int nobody_enter(void)
{
	__u32 k = 0;
	struct nobody_ctx *d = bpf_map_lookup_elem(&nobody, &k);

	if (d) {
		d->depth++;
		d->since = bpf_ktime_get_ns();
	}
	return 0;
}

static __always_inline int nobody_exit(void)
{
	__u32 k = 0;
	struct nobody_ctx *d = bpf_map_lookup_elem(&nobody, &k);

	/* an exit whose entry came before the attach finds 0 */
	if (d && d->depth)
		d->depth--;
	return 0;
}

/* Whether this CPU runs an interrupt, a timer or a softirq other than NET_RX for nobody in particular. */
static __always_inline bool in_nobodys_context(void)
{
	__u32 k = 0;
	struct nobody_ctx *d = bpf_map_lookup_elem(&nobody, &k);

	if (!d || !d->depth)
		return false;
	if (bpf_ktime_get_ns() - d->since > NOBODY_STALE_NS) {
		d->depth = 0;
		return false;
	}
	return true;
}

/* The exits come first in the object, so they are attached first: an entry seen before its exit's program is
 * attached would leave the depth stuck (NOBODY_STALE_NS undoes that too). */
SEC("tp_btf/irq_handler_exit")
int BPF_PROG(waits_irq_exit) { return nobody_exit(); }
SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(waits_hrtimer_exit) { return nobody_exit(); }
SEC("tp_btf/irq_work_exit")
int BPF_PROG(waits_irq_work_exit) { return nobody_exit(); }
SEC("tp_btf/softirq_exit")
int BPF_PROG(waits_softirq_exit, unsigned int vec)
{
	return vec == NET_RX_SOFTIRQ ? 0 : nobody_exit();
}
SEC("tp_btf/irq_handler_entry")
int BPF_PROG(waits_irq_entry) { return nobody_enter(); }
SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(waits_hrtimer_entry) { return nobody_enter(); }
SEC("tp_btf/irq_work_entry")
int BPF_PROG(waits_irq_work_entry) { return nobody_enter(); }

/* Loopback networking delivers in the sending thread's own NET_RX softirq (at its local_bh_enable), which is the
 * sender's doing; a device's packets (rare on a VM's loopback-heavy workloads) are charged to whoever they
 * interrupted. Every other softirq (timers, block completions, RCU, tasklets) is nobody's. */
SEC("tp_btf/softirq_entry")
int BPF_PROG(waits_softirq_entry, unsigned int vec)
{
	return vec == NET_RX_SOFTIRQ ? 0 : nobody_enter();
}

/* sched_waking runs in the waker's context (sched_wakeup may run on the wakee's CPU, from an IPI). */
SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking, struct task_struct *p)
{
	struct task_struct *w = bpf_get_current_task_btf();
	__u32 tgid = p->tgid, wtgid = w->tgid;
	struct tstate *s;
	__u64 now, blocked;

	if (!cfg.waits || !p->pid || !w->pid || wtgid == tgid || !tgid_wanted(tgid))
		return 0;
	if (in_nobodys_context())
		return 0;
	s = bpf_task_storage_get(&tstates, p, 0, 0);
	/* blocked (not preempted, not already woken) since a switch-out this capture saw or inferred */
	if (!s || !s->out_ts || s->runnable || s->wake_ts)
		return 0;
	now = bpf_ktime_get_ns();
	blocked = now - s->out_ts;
	if (now < s->out_ts || blocked < SCHED_WAIT_MIN_NS)
		return 0;

	char wcomm[BPFLAB_COMM_LEN] = {};

	READ_PROCESS_NAME(&wcomm, w);
	count_wait(p, tgid, wtgid, w->pid, wcomm, SCHED_WAIT_WAKEUP, blocked);
	return 0;
}

/* ---- end of whom a thread waited on ---- */


/* Thread `t`'s row of interval `epoch`, created on first sight with its identity. NULL (and counted lost) when
 * the map is full. */
static __always_inline struct sched_val *row_in(__u32 epoch, struct task_struct *t, __u32 tid, __u32 tgid)
{
	struct sched_key key = { .epoch = epoch, .tid = tid };
	struct sched_val *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		return v;
	struct sched_val init = {};

	init.pid = tgid;
	init.cgroup_id = task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&init.comm, t, comm);
	READ_PROCESS_NAME(&init.pcomm, t);
	return insert_row(&stats, &key, &init, tgid);
}

static __always_inline struct sched_val *row_of(struct task_struct *t, __u32 tid, __u32 tgid)
{
	return row_in(current_epoch(), t, tid, tgid);
}

/* Since when what happens to `t` is known: the capture's start, or the thread's own start if later. */
static __always_inline __u64 known_since(struct task_struct *t)
{
	struct bpflab_ctl *c = ctl_now();
	__u64 since = c ? c->capture_start_ns : 0, born = t->start_time;

	return born > since ? born : since;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	struct cpu_holder *held = cfg.waits ? note_holder(prev, now) : NULL;
	struct tstate *s;
	struct sched_val *v;
	__u32 tid, tgid;

	tid = prev->pid;
	tgid = prev->tgid;
	/* tid 0 is the idle task of each CPU: not a thread of anyone */
	if (tid && tgid_wanted(tgid)) {
		/* preempted (even while on its way to sleep): it stays on the run queue */
		bool runnable = preempt || prev_state == TASK_RUNNING;

		s = bpf_task_storage_get(&tstates, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (s) {
			s->known = 1;
			s->out_ts = now;
			s->wake_ts = 0;
			s->runnable = runnable;
			/* a dying thread's last switch is not the start of a block */
			s->charged_ts = runnable || (prev_state & TASK_DEAD) ? 0 : now;
			s->rq_ts = runnable ? now : 0;
		}
		v = row_of(prev, tid, tgid);
		if (v) {
			if (runnable)
				v->invol_switches++;
			else
				v->vol_switches++;
		}
	}

	tid = next->pid;
	tgid = next->tgid;
	if (!tid || !tgid_wanted(tgid))
		return 0;
	/* created here if need be (its switch-out would create it anyway): sched_charge may be taking this same
	 * thread on as waiting since before the capture, and `known` below decides which of the two charges that */
	s = bpf_task_storage_get(&tstates, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	v = row_of(next, tid, tgid);
	if (!s || (!s->known && __sync_val_compare_and_swap(&s->known, 0, 1) == 0)) {
		/* no switch-out or wakeup seen: it has been waiting on the run queue since before the capture (or
		 * its own start), which is all that is known of it. A start a losing sched_charge put in rq_ts is
		 * dropped: this charges the whole wait */
		if (s)
			__sync_lock_test_and_set(&s->rq_ts, 0);
		if (v)
			v->runq_ns += now - known_since(next);
		return 0;
	}
	/* the run-queue wait not yet charged to an interval by sched_charge: the exchange takes it from a
	 * concurrent sched_charge on another CPU, or leaves it the boundary that one charged up to */
	__u64 rq = __sync_lock_test_and_set(&s->rq_ts, 0);

	if (v && rq && now > rq)
		v->runq_ns += now - rq;
	if (v && s->out_ts) {
		/* the histogram counts whole waits, from where each began: one split by boundaries would count
		 * pieces of it, and a 2 s wait would show as eight waits of 250 ms */
		/* whose runs on this CPU this thread's wait for it was spent behind */
		__u64 since = s->runnable ? s->out_ts : s->wake_ts;

		if (held && since && now > since && now - since >= SCHED_WAIT_MIN_NS)
			charge_queue(held, next, tgid, since, now);
		if (s->runnable) {
			if (cfg.histogram)
				count_runq_wait(next, tid, tgid, now - s->out_ts);
		} else {
			/* the blocked time not yet charged to an interval by sched_charge; woken without a wakeup
			 * event (a signal's stop/continue path): all of it is off-CPU */
			__u64 end = s->wake_ts ? s->wake_ts : now;
			__u64 from = __sync_lock_test_and_set(&s->charged_ts, 0);

			if (from && end > from)
				v->offcpu_ns += end - from;
			if (s->wake_ts && cfg.histogram)
				count_runq_wait(next, tid, tgid, now - s->wake_ts);
		}
	}
	s->out_ts = 0;
	s->wake_ts = 0;
	return 0;
}

static __always_inline void on_wakeup(struct task_struct *p, bool created)
{
	struct tstate *s;
	__u64 now;

	if (!p->pid || !tgid_wanted(p->tgid))
		return;
	s = bpf_task_storage_get(&tstates, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return;
	now = bpf_ktime_get_ns();
	if (!s->known) {
		s->known = 1;
		/* woken while still on a CPU (on its way to sleep): it never blocked */
		if (BPF_CORE_READ(p, on_cpu))
			return;
		if (created) {
			/* a new task: it waits on the run queue from now */
			s->out_ts = now;
			s->rq_ts = now;
			s->runnable = 1;
			return;
		}
		/* first sight of a thread asleep since before the capture: it has been blocked at least since
		 * the capture began, so that is where its off-CPU time starts */
		s->out_ts = known_since(p);
		s->charged_ts = s->out_ts;
		s->runnable = 0;
	}
	if (s->out_ts && !s->runnable && !s->wake_ts) {
		s->wake_ts = now;
		s->rq_ts = now; /* it waits for a CPU from here */
	}
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	on_wakeup(p, false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, true);
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
	if (v) {
		BPF_CORE_READ_STR_INTO(&v->comm, p, comm);
		READ_PROCESS_NAME(&v->pcomm, p);
	}
	return 0;
}

/* Blocked now (sleeping or waiting uninterruptibly) and off every CPU. Kernels before 5.14 name the field
 * `state`; there this reports false and such a thread is first charged at its wakeup, as before. */
static __always_inline bool asleep(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->__state))
		return false;
	return BPF_CORE_READ(t, __state) != 0 && !BPF_CORE_READ(t, on_cpu);
}

/* Runnable, queued and off every CPU: waiting on a run queue. (A thread on its way to sleep that the scheduler
 * keeps queued for a while, DELAY_DEQUEUE, is not TASK_RUNNING any more, so it does not count.) Before 5.14: false,
 * and such a thread is charged at its switch-in, as before. */
static __always_inline bool waiting(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->__state))
		return false;
	return BPF_CORE_READ(t, __state) == TASK_RUNNING && BPF_CORE_READ(t, on_rq) && !BPF_CORE_READ(t, on_cpu);
}

/* The blocked time of `t` until the boundary `end_ns`, charged to its row of interval `epoch`. */
static __always_inline void charge_blocked(struct task_struct *t, struct tstate *s, __u32 epoch, __u64 end_ns)
{
	struct sched_val *v;
	__u64 from = s->charged_ts, wake = s->wake_ts, end, next;

	if (!from || from >= end_ns)
		return;
	/* woken before the boundary: blocked until the wakeup (the run-queue wait after it is charge_waiting's) */
	end = wake && wake < end_ns ? wake : end_ns;
	next = wake && wake <= end_ns ? 0 : end_ns;
	if (__sync_val_compare_and_swap(&s->charged_ts, from, next) != from)
		return; /* it was switched in meanwhile: that charged it */
	v = row_in(epoch, t, t->pid, t->tgid);
	if (v)
		__sync_fetch_and_add(&v->offcpu_ns, end - from);
}

/* The run-queue wait of `t` until the boundary `end_ns`, charged to its row of interval `epoch`: a thread starved
 * of a CPU for seconds (a noisy neighbour's hogs on its CPU) shows as waiting in each interval it waits, instead
 * of having no row at all and then seconds of run-queue time in one interval. */
static __always_inline void charge_waiting(struct task_struct *t, struct tstate *s, __u32 epoch, __u64 end_ns)
{
	struct sched_val *v;
	__u64 from = s->rq_ts;

	if (!from || from >= end_ns)
		return;
	/* the switch-in exchanges rq_ts for 0: whichever of the two comes first charges the wait up to the boundary,
	 * the switch-in the rest (or all of it) */
	if (__sync_val_compare_and_swap(&s->rq_ts, from, end_ns) != from)
		return;
	v = row_in(epoch, t, t->pid, t->tgid);
	if (v)
		__sync_fetch_and_add(&v->runq_ns, end_ns - from);
}

/* Run by user space at each interval boundary, right after it starts epoch N at epoch_start_ns: charges the
 * time every blocked thread has spent blocked, and every thread on a run queue has waited, until then to its
 * row of epoch N-1, so a thread stuck in a long sleep, on a lock or behind other threads on its CPU shows in
 * every interval it is stuck, instead of being silent until it runs. The compare-and-swaps on charged_ts and
 * rq_ts decide between this and a concurrent switch-in on another CPU: each nanosecond is charged once. */
SEC("iter/task")
int sched_charge(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct bpflab_ctl *c;
	struct tstate *s;
	bool blocked, queued;

	if (!t || !t->pid || t->exit_state || !tgid_wanted(t->tgid))
		return 0;
	c = ctl_now();
	if (!c || !c->epoch)
		return 0;
	s = bpf_task_storage_get(&tstates, t, 0, 0);
	if (!s || !s->known) {
		blocked = asleep(t);
		queued = !blocked && waiting(t);
		if (blocked || queued)
			s = bpf_task_storage_get(&tstates, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (s && !s->known && blocked) {
			/* asleep since before the capture and not woken yet: known blocked from the capture's start,
			 * charged interval by interval from here on (else its first wakeup would charge the whole sleep
			 * to one interval: 83 s of off-CPU time in a 1 s window) */
			s->known = 1;
			s->out_ts = known_since(t);
			s->charged_ts = s->out_ts;
			s->runnable = 0;
		} else if (s && !s->known && queued) {
			/* waiting on a run queue since before the capture (or its own start) and not switched in yet:
			 * known waiting from then, charged interval by interval from here on. out_ts stays 0: the wait's
			 * start is not known, so it is left out of the histogram, as at a first-seen switch-in. The
			 * start goes in before `known` is claimed, so a switch-in that sees `known` finds it; one that
			 * claimed `known` first charged the whole wait itself, and the start put here is taken back */
			__u64 since = known_since(t);

			__sync_val_compare_and_swap(&s->rq_ts, 0, since);
			if (__sync_val_compare_and_swap(&s->known, 0, 1) != 0) {
				__sync_val_compare_and_swap(&s->rq_ts, since, 0);
				return 0;
			}
			s->runnable = 1;
		}
	}
	if (!s)
		return 0;
	charge_blocked(t, s, c->epoch - 1, c->epoch_start_ns);
	charge_waiting(t, s, c->epoch - 1, c->epoch_start_ns);
	return 0;
}

/* Event mode (option events): one record per context switch through per-CPU rings, beside the rows above. */

EVENT_RINGS(switch_events);

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_ev, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct sched_event *e;

	/* a switch belongs to the traced processes when either side is one of them */
	if (!tgid_wanted(prev->tgid) && !tgid_wanted(next->tgid))
		return 0;
	e = event_reserve(&switch_events_rings, &switch_events_lost, sizeof(*e));
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = task_cgroup_id(prev);
	e->pid = prev->tgid;
	e->tid = prev->pid;
	e->next_pid = next->tgid;
	e->next_tid = next->pid;
	e->cpu = bpf_get_smp_processor_id();
	e->prev_state = preempt ? 0 : prev_state;
	BPF_CORE_READ_STR_INTO(&e->comm, prev, comm);
	READ_PROCESS_NAME(&e->pcomm, prev);
	BPF_CORE_READ_STR_INTO(&e->next_comm, next, comm);
	event_submit(e);
	return 0;
}

/* Keeps the record struct in the BTF, where the decoder reads its layout. */
struct sched_event *unused_sched_event __attribute__((unused));

char LICENSE[] SEC("license") = "GPL";

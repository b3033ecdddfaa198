// SPDX-License-Identifier: GPL-2.0
/* signals.bpf.c: signals sent and acted on, OOM kills and the exits signals cause, streamed through a ring
 * buffer (they are rare); records the ring cannot hold are counted as lost. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "signals.h"

const volatile struct signals_cfg cfg = {};
#include "bpflab.bpf.h"
#include "mm.bpf.h"

/* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are not pointers to a siginfo */
#define REAL_SIGINFO(info) ((unsigned long)(info) > 1)
#define SIG_DFL 0
#define SIG_IGN 1

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SIGNALS_RINGBUF_SIZE);
} events SEC(".maps");

/* The last sender of each (target process, signal) until it is delivered. LRU: a signal never delivered
 * (the target died first) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SIGNALS_MAX_PENDING);
	__type(key, __u64); /* tgid << 32 | sig */
	__type(value, struct signals_sender);
} senders SEC(".maps");

/* Only the ring buffer carries this struct: the anchor puts it in BTF for the layout check. */
struct signals_event *unused_signals_event __attribute__((unused));

/* Reserves a record about target `t`, filled but for the kind-specific fields; NULL (counted lost) when full. */
static __always_inline struct signals_event *reserve(__u32 kind, int sig, struct task_struct *t)
{
	struct signals_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost_of(BPF_CORE_READ(t, tgid));
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->sig = sig;
	e->pid = BPF_CORE_READ(t, tgid);
	e->tid = BPF_CORE_READ(t, pid);
	e->cgroup_id = task_cgroup_id(t);
	e->rss_pages = 0;
	e->sender_pid = 0;
	e->sender_tid = 0;
	e->result = 0;
	e->code = 0;
	e->action = 0;
	e->group = 0;
	e->sender_comm[0] = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	READ_PROCESS_NAME(&e->pcomm, t);
	return e;
}

/* Submit without waking the reader: user space drains on a timer, which costs far less per event. */
#define SUBMIT(e) bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP)

/* In the sender's context for kill(2) and friends; the kernel's own signals (faults, SIGCHLD at exit, timers)
 * come from whatever runs then, which is what `sender` then names. */
SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = task->tgid, from = pid_tgid >> 32;
	struct signals_event *e;

	if (!tgid_wanted(tgid) && !tgid_wanted(from))
		return 0;
	e = reserve(SIGNALS_GENERATE, sig, task);
	if (!e)
		return 0;
	e->sender_pid = from;
	e->sender_tid = (__u32)pid_tgid;
	e->result = result;
	e->group = group;
	e->code = REAL_SIGINFO(info) ? BPF_CORE_READ(info, si_code) : 0;
	bpf_get_current_comm(e->sender_comm, sizeof(e->sender_comm));
	if (result == 0) { /* queued: remember who sent it, for its delivery */
		struct signals_sender s = { .pid = from, .tid = (__u32)pid_tgid };
		__u64 key = ((__u64)tgid << 32) | (__u32)sig;

		__builtin_memcpy(s.comm, e->sender_comm, sizeof(s.comm));
		bpf_map_update_elem(&senders, &key, &s, BPF_ANY);
	}
	SUBMIT(e);
	return 0;
}

/* In the target thread, as it takes the signal off its queue to act on it. */
SEC("tp_btf/signal_deliver")
int BPF_PROG(signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 key = ((__u64)t->tgid << 32) | (__u32)sig;
	struct signals_sender *s;
	struct signals_event *e;
	unsigned long handler;

	if (!tgid_wanted(t->tgid))
		return 0;
	e = reserve(SIGNALS_DELIVER, sig, t);
	if (!e)
		return 0;
	if (REAL_SIGINFO(info)) {
		e->code = BPF_CORE_READ(info, si_code);
		/* si_pid is set for signals a process sent (SI_USER, SI_QUEUE, SI_TKILL: codes <= 0) */
		if (e->code <= 0)
			e->sender_pid = BPF_CORE_READ(info, _sifields._kill._pid);
	}
	s = bpf_map_lookup_elem(&senders, &key);
	if (s) {
		if (!e->sender_pid || e->sender_pid == s->pid) {
			e->sender_pid = s->pid;
			e->sender_tid = s->tid;
			__builtin_memcpy(e->sender_comm, s->comm, sizeof(e->sender_comm));
		}
		bpf_map_delete_elem(&senders, &key);
	}
	handler = (unsigned long)BPF_CORE_READ(ka, sa.sa_handler);
	e->action = handler == SIG_DFL ? 0 : handler == SIG_IGN ? 1 : 2;
	SUBMIT(e);
	return 0;
}

/* The OOM killer picked `task`; current is whoever's allocation ran it. */
SEC("tp_btf/mark_victim")
int BPF_PROG(oom_mark_victim, struct task_struct *task, uid_t uid)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct mm_struct *mm = task->mm;
	struct signals_event *e;

	if (!tgid_wanted(task->tgid) && !tgid_wanted(pid_tgid >> 32))
		return 0;
	e = reserve(SIGNALS_OOM_KILL, 9 /* SIGKILL */, task);
	if (!e)
		return 0;
	e->sender_pid = pid_tgid >> 32;
	e->sender_tid = (__u32)pid_tgid;
	bpf_get_current_comm(e->sender_comm, sizeof(e->sender_comm));
	if (mm)
		e->rss_pages = mm_counter(mm, MM_ANONPAGES) + mm_counter(mm, MM_FILEPAGES) +
			       mm_counter(mm, MM_SHMEMPAGES);
	SUBMIT(e);
	return 0;
}

/* A whole process ending because of a signal: the last of the chain generate → deliver → exit. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(signals_exit, struct task_struct *p, bool group_dead)
{
	struct signals_event *e;
	int code;

	if (p->tgid != p->pid || !tgid_wanted(p->tgid))
		return 0;
	code = BPF_CORE_READ(p, exit_code);
	if (!(code & 0x7f)) /* a normal exit(2) */
		return 0;
	e = reserve(SIGNALS_EXIT, code & 0x7f, p);
	if (!e)
		return 0;
	e->code = (code & 0x80) ? 1 : 0; /* dumped core */
	SUBMIT(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

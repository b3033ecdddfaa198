// SPDX-License-Identifier: GPL-2.0
/* process.bpf.c: exec, fork and exit of processes, streamed through a ring buffer (they are rare). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "process.h"

const volatile struct process_cfg cfg = {};
#include "bpflab.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PROCESS_RINGBUF_SIZE);
} events SEC(".maps");

/* Only the ring buffer carries this struct, so nothing else puts it in BTF: this anchor does, and the layout
 * test checks it against kernel/collectors/process.ts. */
struct process_event *unused_process_event __attribute__((unused));

/* Reserves and fills the common part; NULL (counted lost) when the ring is full. */
static __always_inline struct process_event *reserve(__u32 kind, struct task_struct *t)
{
	struct process_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost_of(BPF_CORE_READ(t, tgid));
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = BPF_CORE_READ(t, tgid);
	e->tid = BPF_CORE_READ(t, pid);
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	e->cgroup_id = task_cgroup_id(t);
	e->lifetime_ns = 0;
	e->exit_code = 0;
	e->args_len = 0;
	e->filename[0] = 0;
	e->args[0] = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	READ_PROCESS_NAME(&e->pcomm, t);
	return e;
}

/* Submit without waking the reader: user space drains on a timer, which costs far less per event. */
#define SUBMIT(e) bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP)

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct process_event *e;
	unsigned long start, end;
	long len;

	if (!tgid_wanted(p->tgid))
		return 0;
	e = reserve(PROCESS_EXEC, p);
	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	/* The new image's argv is in place in user memory: read it in one go, cut at PROCESS_ARGS_LEN. */
	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	len = end - start;
	if (len > PROCESS_ARGS_LEN)
		len = PROCESS_ARGS_LEN;
	if (len > 0 && bpf_probe_read_user(e->args, len & (PROCESS_ARGS_LEN - 1 + PROCESS_ARGS_LEN), (void *)start) == 0)
		e->args_len = len;
	SUBMIT(e);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct process_event *e;

	/* threads are not processes: clone(CLONE_THREAD) keeps the tgid */
	if (child->tgid != child->pid)
		return 0;
	if (!tgid_wanted(child->tgid))
		return 0;
	e = reserve(PROCESS_FORK, child);
	if (!e)
		return 0;
	e->ppid = parent->tgid;
	SUBMIT(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *p)
{
	struct process_event *e;
	int code;

	/* only the thread-group leader's exit ends the process as ps(1) sees it */
	if (p->tgid != p->pid)
		return 0;
	if (!tgid_wanted(p->tgid))
		return 0;
	e = reserve(PROCESS_EXIT, p);
	if (!e)
		return 0;
	code = BPF_CORE_READ(p, exit_code);
	/* like a shell's $?: the exit status, or 128 + the signal that killed it */
	e->exit_code = (code & 0x7f) ? 128 + (code & 0x7f) : (code >> 8) & 0xff;
	e->lifetime_ns = e->ts_ns - BPF_CORE_READ(p, start_time);
	SUBMIT(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

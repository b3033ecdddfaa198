// SPDX-License-Identifier: GPL-2.0
/* memory.bpf.c: per-process RSS by type (gauges) and user page faults, per interval. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "memory.h"

const volatile struct memory_cfg cfg = {};
#include "bpflab.bpf.h"
#include "mm.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MEMORY_MAX_ENTRIES);
	__type(key, struct memory_key);
	__type(value, struct memory_val);
} stats SEC(".maps");

/* Copies the mm's counters into the row's gauges. */
static __always_inline void snapshot(struct memory_val *v, struct mm_struct *mm)
{
	__s64 rss;

	/* the enum is anonymous (no CO-RE relocation possible); its values are unchanged since 4.5 */
	v->rss_file_pages = mm_counter(mm, MM_FILEPAGES);
	v->rss_anon_pages = mm_counter(mm, MM_ANONPAGES);
	v->swap_pages = mm_counter(mm, MM_SWAPENTS);
	v->rss_shmem_pages = mm_counter(mm, MM_SHMEMPAGES);
	rss = v->rss_file_pages + v->rss_anon_pages + v->rss_shmem_pages;
	if (rss > v->rss_max_pages)
		v->rss_max_pages = rss;
}

/* The interval's row of process `tgid`, whose task `t` names it and whose address space is `mm`; created on
 * first sight with the mm's counters. NULL (and counted lost) when the map is full. */
static __always_inline struct memory_val *row_of(__u32 tgid, struct task_struct *t, struct mm_struct *mm)
{
	struct memory_key key = { .epoch = current_epoch(), .pid = tgid };
	struct memory_val *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		return v;
	struct memory_val init = {};

	init.cgroup_id = task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&init.comm, t, group_leader, comm);
	snapshot(&init, mm);
	/* the row then holds the counters: the caller's own snapshot is redundant but harmless */
	return insert_row(&stats, &key, &init, tgid);
}

/* An RSS counter of `mm` changed by a page or a batch of pages (fault, unmap, reclaim, swap-in ...).
 * Usually in the context of a task of `mm` itself (the event's `curr` field: current->mm == mm). Otherwise
 * (kswapd or another process reclaiming or swapping out, a remote madvise) the process is mm->owner
 * (CONFIG_MEMCG), if that task still uses `mm`. Skipped: updates with no owner (an exiting or exec'ing
 * process tearing its old mm down: it is going away), updates while fork copies pages into the child's mm
 * (the child's pid and mm are not set yet; its own first event reads the counters), and all curr == 0
 * updates on kernels without mm->owner. */
SEC("tp_btf/rss_stat")
int BPF_PROG(rss_stat, struct mm_struct *mm, int member)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct memory_val *v;

	if (t->mm != mm) {
		if (!bpf_core_field_exists(mm->owner))
			return 0;
		t = mm->owner;
		if (!t || t->mm != mm)
			return 0;
	}
	__u32 tgid = t->tgid;

	if (!tgid || !tgid_wanted(tgid))
		return 0;
	v = row_of(tgid, t, mm);
	if (!v)
		return 0;
	snapshot(v, mm);
	__sync_fetch_and_add(&v->rss_updates, 1); /* threads of one process share the row from several CPUs */
	return 0;
}

/* A fault taken by user code, before it is handled (so it counts spurious and failed faults too); always in
 * the faulting task's context. x86 only: other architectures have no such tracepoint, and user space leaves
 * this program unloaded there. */
SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct mm_struct *mm = t->mm;
	__u32 tgid = t->tgid;
	struct memory_val *v;

	if (!mm || !tgid_wanted(tgid))
		return 0;
	v = row_of(tgid, t, mm);
	if (v)
		__sync_fetch_and_add(&v->page_faults, 1);
	return 0;
}

/* exec gives the process a new name (and a new mm, whose counters the next event reads). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(memory_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct memory_key key = { .epoch = current_epoch(), .pid = p->tgid };
	struct memory_val *v;

	if (!tgid_wanted(p->tgid))
		return 0;
	v = bpf_map_lookup_elem(&stats, &key);
	if (v)
		BPF_CORE_READ_STR_INTO(&v->comm, p, comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

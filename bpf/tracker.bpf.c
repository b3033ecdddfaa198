// SPDX-License-Identifier: GPL-2.0
/* tracker.bpf.c: the pid filter's one source of truth. Loaded first by every capture that filters by pid or
 * command, whichever collectors it has: adds each child of a tracked process at fork and removes a process
 * when its task is freed (after its last event: the sockets closed and memory released at exit are still
 * traced). A pid reused meanwhile is caught where every process begins, at fork: a child of an untracked
 * parent is never tracked, whatever entry its pid left behind. The collectors' objects reuse `tracked`.
 * A full map (more live descendants than the capture's maxTracked) counts each child it could not track in
 * `lost`, which the capture reports as filter overflow. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tracker.h"

const volatile struct tracker_cfg cfg = {};
#include "bpflab.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tracker_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u64 born = child->start_time;

	if (!filter_cfg.filter_tgid)
		return 0;
	if (ptgid == ctgid) /* a new thread, not a new process */
		return 0;
	if (filter_cfg.follow_children && bpf_map_lookup_elem(&tracked, &ptgid)) {
		if (bpf_map_update_elem(&tracked, &ctgid, &born, BPF_ANY))
			count_lost();
		return 0;
	}
	/* an untracked parent: if its child's pid was a tracked process's, that one is gone */
	bpf_map_delete_elem(&tracked, &ctgid);
	return 0;
}

/* A task is freed once it is reaped and nothing refers to it: the thread-group leader is freed last, so its
 * free ends the process. The start time tells it from a process that reused its pid meanwhile. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(tracker_free, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	__u64 *born;

	if (!filter_cfg.filter_tgid || p->pid != p->tgid)
		return 0;
	born = bpf_map_lookup_elem(&tracked, &tgid);
	if (born && (*born == 0 || *born == p->start_time))
		bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

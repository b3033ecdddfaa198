// SPDX-License-Identifier: GPL-2.0
/* tracker.bpf.c: the pid filter's one source of truth. Loaded first by every capture that filters by pid or
 * command, whichever collectors it has: adds each child of a tracked process at fork, removes a process when
 * its last thread exits, so a reused pid never enrols an unrelated process. The collectors' objects reuse its
 * `tracked` map. A full map (more live descendants than BPFLAB_MAX_TRACKED, or the capture's maxTracked)
 * counts each child it could not track in `lost`, which the capture reports as filter overflow. */
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
	__u8 one = 1;

	if (!filter_cfg.filter_tgid || !filter_cfg.follow_children)
		return 0;
	if (ptgid == ctgid) /* a new thread, not a new process */
		return 0;
	if (!bpf_map_lookup_elem(&tracked, &ptgid))
		return 0;
	if (bpf_map_update_elem(&tracked, &ctgid, &one, BPF_ANY))
		count_lost();
	return 0;
}

/* Every exiting thread passes here; the process is gone when the last one has (signal->live reaches 0
 * before this tracepoint fires). Its last events (the final context switch) are no longer traced: the pid may
 * be reused from this moment on. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tracker_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (!filter_cfg.filter_tgid)
		return 0;
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

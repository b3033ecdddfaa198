// SPDX-License-Identifier: GPL-2.0
/* tracker.bpf.c: the process filter's one source of truth. Loaded first by every capture that filters (by pid
 * or command, by cgroup, by process name), whichever collectors it has. It keeps, per process, which filters it
 * matches: the pid bit passes from a tracked parent to its children at fork, the cgroup bit follows the process
 * through cgroup moves, the name bit follows exec. A process matching every filter given is in `tracked`, the map
 * the collectors' objects reuse and look up. A process is forgotten when its task is freed (after its last
 * event: the sockets closed and memory released at exit are still traced); a pid reused meanwhile is caught at
 * fork, where every process begins. A full map counts what it could not hold in `lost`, which the capture
 * reports as filter overflow. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tracker.h"

const volatile struct tracker_cfg cfg = {};
#include "bpflab.bpf.h"

/* Sized by user space like `tracked`. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFLAB_MAX_TRACKED);
	__type(key, __u32); /* tgid */
	__type(value, struct tracker_state);
} states SEC(".maps");

/* Before 6.1 a cgroup kept its ancestors' ids, not pointers. */
struct cgroup___old {
	int level;
	__u64 ancestor_ids[];
};

static __always_inline __u32 required(void)
{
	return (cfg.by_pid ? TRACK_PID : 0) | (cfg.by_cgroup ? TRACK_CGROUP : 0) | (cfg.by_comm ? TRACK_COMM : 0);
}

/* Whether cgroup `cg` is cfg.cgroup_id or below it: its ancestor at the target's depth is the target. */
static __always_inline bool cgroup_in_target(struct cgroup *cg)
{
	int level = BPF_CORE_READ(cg, level);
	__u32 at = cfg.cgroup_level;

	if (!cg || level < 0 || (__u32)level < at || at > 1024)
		return false;
	if (bpf_core_field_exists(cg->ancestors)) {
		struct cgroup *anc = NULL;

		bpf_probe_read_kernel(&anc, sizeof(anc), &cg->ancestors[at]);
		return anc && BPF_CORE_READ(anc, kn, id) == cfg.cgroup_id;
	}
	__u64 id = 0;
	struct cgroup___old *old = (void *)cg;

	bpf_probe_read_kernel(&id, sizeof(id), &old->ancestor_ids[at]);
	return id == cfg.cgroup_id;
}

/* Whether the process of `t` is named cfg.comm (its leader's comm, compared up to and with its NUL). */
static __always_inline bool comm_matches(struct task_struct *t)
{
	char name[BPFLAB_COMM_LEN] = {};
	__u32 words[4] = { cfg.comm_0, cfg.comm_1, cfg.comm_2, cfg.comm_3 };

	BPF_CORE_READ_STR_INTO(&name, t, group_leader, comm);
	for (int i = 0; i < BPFLAB_COMM_LEN; i++) {
		char want = (char)((words[i / 4] >> (8 * (i % 4))) & 0xff);

		if (name[i] != want)
			return false;
		if (!name[i])
			return true;
	}
	return true;
}

/* Takes `tgid` out of `tracked` and tells the collectors' remembered answers (filter_gen) it happened. */
static __always_inline void untrack(__u32 tgid)
{
	__u32 zero = 0;
	__u64 *g;

	if (bpf_map_delete_elem(&tracked, &tgid))
		return; /* it was not in */
	g = bpf_map_lookup_elem(&filter_gen, &zero);
	if (g)
		__sync_fetch_and_add(g, 1);
}

/* Stores what process `tgid` matches and puts it in or takes it out of `tracked` accordingly. */
static __always_inline void set_state(__u32 tgid, __u64 born, __u32 mask)
{
	struct tracker_state s = { .start_time = born, .mask = mask };

	if (!mask) {
		bpf_map_delete_elem(&states, &tgid);
		untrack(tgid);
		return;
	}
	if (bpf_map_update_elem(&states, &tgid, &s, BPF_ANY)) {
		count_lost();
		return;
	}
	if (mask == required()) {
		if (bpf_map_update_elem(&tracked, &tgid, &born, BPF_ANY))
			count_lost();
	} else {
		untrack(tgid);
	}
}

/* The bits a process matches now, its pid bit taken from `pid_bit`; `cg` is its v2 cgroup. */
static __always_inline __u32 matches(struct task_struct *t, struct cgroup *cg, __u32 pid_bit)
{
	__u32 m = pid_bit;

	if (cfg.by_cgroup && cgroup_in_target(cg))
		m |= TRACK_CGROUP;
	if (cfg.by_comm && comm_matches(t))
		m |= TRACK_COMM;
	return m;
}

static __always_inline __u32 pid_bit_of(__u32 tgid)
{
	struct tracker_state *s = bpf_map_lookup_elem(&states, &tgid);

	return s ? s->mask & TRACK_PID : 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tracker_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid, pid_bit = 0;

	if (!filter_cfg.filter_tgid)
		return 0;
	if (ptgid == ctgid) /* a new thread, not a new process */
		return 0;
	if (cfg.by_pid && filter_cfg.follow_children)
		pid_bit = pid_bit_of(ptgid);
	/* a new process: whatever an earlier one with its pid left is replaced (or removed, matching nothing) */
	set_state(ctgid, child->start_time, matches(child, BPF_CORE_READ(child, cgroups, dfl_cgrp), pid_bit));
	return 0;
}

/* exec renames the process: its name bit is what the new name says. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(tracker_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;

	if (!filter_cfg.filter_tgid || !cfg.by_comm)
		return 0;
	set_state(tgid, BPF_CORE_READ(p, group_leader, start_time),
		  matches(p, BPF_CORE_READ(p, cgroups, dfl_cgrp), pid_bit_of(tgid)));
	return 0;
}

/* A task moved to another cgroup; on the v2 hierarchy (a v1 move leaves its v2 cgroup as it was) the process's
 * cgroup bit is what its new cgroup says. A single thread moved (threaded cgroups) moves the process only if
 * it is the leader. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(tracker_cgroup_move, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
{
	__u32 tgid = task->tgid;

	if (!filter_cfg.filter_tgid || !cfg.by_cgroup)
		return 0;
	if (BPF_CORE_READ(task, cgroups, dfl_cgrp) != dst)
		return 0;
	if (!threadgroup && task->pid != task->tgid)
		return 0;
	set_state(tgid, BPF_CORE_READ(task, group_leader, start_time), matches(task, dst, pid_bit_of(tgid)));
	return 0;
}

/* A task is freed once it is reaped and nothing refers to it: the thread-group leader is freed last, so its
 * free ends the process. The start time tells it from a process that reused its pid meanwhile. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(tracker_free, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct tracker_state *s;

	if (!filter_cfg.filter_tgid || p->pid != p->tgid)
		return 0;
	s = bpf_map_lookup_elem(&states, &tgid);
	if (s && (s->start_time == 0 || s->start_time == p->start_time)) {
		bpf_map_delete_elem(&states, &tgid);
		untrack(tgid);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* bpflab.bpf.h: what every collector's BPF side shares: the target-process filter and the interval epoch. */
#ifndef BPFLAB_BPF_H
#define BPFLAB_BPF_H

#include "bpflab.h"

/* Each collector defines `const volatile struct <name>_cfg cfg` (its only rodata, set by user space before
 * load) with `struct bpflab_filter_cfg filter` first, and includes this file after it. With filter_tgid == 0
 * the filter code is dead and the verifier drops it, so whole-system captures pay nothing for it. */
#define filter_cfg (cfg.filter)

/* Processes being traced when filtering: the target tgid, then every process forked from a tracked one, until
 * it exits. Owned by tracker.bpf.c, which every filtered capture loads first; the collectors' objects reuse its
 * fd, so this definition must match tracker's (user space sets one max_entries for all). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFLAB_MAX_TRACKED);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* the process's start_time (0: seeded by user space, any) */
} tracked SEC(".maps");

/* ctl[0].epoch: user space bumps it at each interval boundary and then drains the previous epoch's keys, so
 * no update is lost between a batched read and its delete. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpflab_ctl);
} ctl SEC(".maps");

/* Per-CPU count of records that could not be stored (map full, ring buffer full): reported as lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline bool tgid_wanted(__u32 tgid)
{
	if (!filter_cfg.filter_tgid)
		return true;
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

/* filter_gen[0]: how many times the tracker took a process out of `tracked` (owned by tracker.bpf.c, its fd
 * reused like tracked's). A program may remember per task that the filter wanted it at generation g, and skip
 * the `tracked` lookup while the generation is still g: a process only leaves the set by a removal, which bumps
 * it, and one that enters it is seen by the lookup that is made while it is not remembered. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} filter_gen SEC(".maps");

/* The current generation plus one (0 never matches: what a fresh task storage holds). Read before the lookup
 * whose answer is remembered under it. */
static __always_inline __u64 filter_generation(void)
{
	__u32 zero = 0;
	__u64 *g = bpf_map_lookup_elem(&filter_gen, &zero);

	return g ? *g + 1 : 0;
}

/*
 * The element of task storage `map` (whose value has a __u64 wanted_gen) for task `t` when the filter wants its
 * process, made on first use; NULL when it does not. The filter's answer is remembered in wanted_gen until the
 * tracker takes a process out (filter_gen), so a traced thread's events skip the tracked lookup. A macro: the
 * maps' value types differ.
 */
#define WANTED_TASK_STORAGE(map, t)                                                                        \
	({                                                                                                 \
		__typeof__(*(map).value) *__e = bpf_task_storage_get(&(map), (t), 0, 0);                   \
		if (filter_cfg.filter_tgid) {                                                              \
			__u64 __gen = filter_generation();                                                 \
			if (!__e || !__gen || __e->wanted_gen != __gen) {                                  \
				if (!tgid_wanted((t)->tgid)) {                                             \
					__e = NULL;                                                        \
				} else {                                                                   \
					if (!__e)                                                          \
						__e = bpf_task_storage_get(&(map), (t), 0,                 \
									   BPF_LOCAL_STORAGE_GET_F_CREATE); \
					if (__e)                                                           \
						__e->wanted_gen = __gen;                                   \
				}                                                                          \
			}                                                                                  \
		} else if (!__e) {                                                                         \
			__e = bpf_task_storage_get(&(map), (t), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);        \
		}                                                                                          \
		__e;                                                                                       \
	})

static __always_inline __u32 current_epoch(void)
{
	__u32 zero = 0;
	struct bpflab_ctl *c = bpf_map_lookup_elem(&ctl, &zero);

	return c ? c->epoch : 0;
}

/* The whole control record (NULL only if the array lookup fails, which it cannot for index 0). */
static __always_inline struct bpflab_ctl *ctl_now(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ctl, &zero);
}

/* Records that could not be stored, per process (rows of these processes are undercounted): the capture
 * reports them as its `drops` frame. LRU: under a storm of many processes the busiest stay counted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFLAB_MAX_LOST_PIDS);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* records lost */
} lost_pids SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

/* count_lost, charged to process `tgid` as well (0: no process is known, e.g. a softirq event). */
static __always_inline void count_lost_of(__u32 tgid)
{
	__u64 one = 1, *n;

	count_lost();
	if (!tgid)
		return;
	n = bpf_map_lookup_elem(&lost_pids, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&lost_pids, &tgid, &one, BPF_NOEXIST);
}

/* Inserts `init` under `key` unless another CPU got there first, and returns the stored value. NULL, counted
 * as lost for process `tgid`, when the map is full. For the miss path of the per-interval rows: build `init`
 * only after a failed lookup, since reading comm and cgroup costs more than the lookup. */
static __always_inline void *insert_row(void *map, const void *key, const void *init, __u32 tgid)
{
	void *v;

	/* NOEXIST keeps the first writer's value when two CPUs race for the same new key */
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		count_lost_of(tgid);
	return v;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* The process's name as ps(1) shows it: the thread-group leader's comm (a thread's own comm is often a
 * worker name such as "ThreadPoolForeg"). */
#define READ_PROCESS_NAME(dst, t) BPF_CORE_READ_STR_INTO(dst, t, group_leader, comm)

#endif /* BPFLAB_BPF_H */

/* tracker.h: the process filter's tracker, shared by tracker.bpf.c and kernel/capture/tracker.ts. */
#ifndef TRACKER_H
#define TRACKER_H

#include "bpflab.h"

/* What a process matches, one bit per filter given; it is traced (in `tracked`) when it matches them all. */
#define TRACK_PID    1 /* the target process, or (following children) forked from a process that has this bit */
#define TRACK_CGROUP 2 /* in the cgroup v2 subtree of cfg.cgroup_id */
#define TRACK_COMM   4 /* its name (the thread-group leader's comm) is cfg.comm */

struct tracker_cfg {
	struct bpflab_filter_cfg filter;
	__u64 cgroup_id;        /* by_cgroup: the cgroup (v2 id, its directory's inode) whose subtree is traced */
	__u32 comm_0;           /* by_comm: the process name, NUL-padded to 16 bytes, as four little-endian words */
	__u32 comm_1;
	__u32 comm_2;
	__u32 comm_3;
	__u32 cgroup_level;     /* by_cgroup: its depth below the root (the root is 0) */
	__u8  by_pid;           /* 1: filter by filter.targ_tgid (and its descendants with follow_children) */
	__u8  by_cgroup;
	__u8  by_comm;
	__u8  pad;
};                          /* 40 bytes */

/* Per process that matches at least one filter: the bits it matches, and its start time (against pid reuse). */
struct tracker_state {
	__u64 start_time;       /* 0: seeded by user space, whatever process has the pid */
	__u32 mask;             /* TRACK_* */
	__u32 pad;
};                          /* 16 bytes */

#endif /* TRACKER_H */

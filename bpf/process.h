/* process.h: shared by process.bpf.c and kernel/collectors/process.ts (layouts are a contract). */
#ifndef PROCESS_H
#define PROCESS_H

#include "bpflab.h"

#define PROCESS_FILENAME_LEN 128
#define PROCESS_ARGS_LEN     256 /* argv joined by NULs, cut at this length */
#define PROCESS_RINGBUF_SIZE (1 << 22) /* 4 MiB: ~9,000 records, drained every 50-200 ms: headroom for exec storms */

enum process_event_kind {
	PROCESS_EXEC = 1,
	PROCESS_FORK = 2,
	PROCESS_EXIT = 3,
};

struct process_cfg {
	struct bpflab_filter_cfg filter;
};                          /* 8 bytes */

struct process_event {
	__u64 ts_ns;            /* bpf_ktime_get_ns(): monotonic */
	__u64 cgroup_id;
	__u64 lifetime_ns;      /* exit: time since the process started; else 0 */
	__u32 kind;             /* enum process_event_kind */
	__u32 pid;              /* tgid; for fork, the child */
	__u32 tid;
	__u32 ppid;             /* parent tgid; for fork, the forking process */
	__s32 exit_code;        /* exit: the code as wait(2) reports it (status >> 8, or 128 + signal) */
	__u32 args_len;         /* bytes used in args */
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
	char  filename[PROCESS_FILENAME_LEN];
	char  args[PROCESS_ARGS_LEN];
};                          /* 464 bytes */

#endif /* PROCESS_H */

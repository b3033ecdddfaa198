/* memory.h: shared by memory.bpf.c and kernel/collectors/memory.ts (layouts are a contract). */
#ifndef MEMORY_H
#define MEMORY_H

#include "bpflab.h"

#define MEMORY_MAX_ENTRIES 32768 /* processes seen per two live epochs; a full map counts as lost */

struct memory_cfg {
	struct bpflab_filter_cfg filter;
};                          /* 8 bytes */

struct memory_key {
	__u32 epoch;
	__u32 pid;              /* tgid: an address space belongs to a process, not a thread */
};                          /* 8 bytes */

/* Gauges are in pages (user space multiplies by the page size) and hold the mm's counters as of the process's
 * last memory event in the interval (its row's creation, or an rss_stat update). */
struct memory_val {
	__s64 rss_anon_pages;   /* MM_ANONPAGES */
	__s64 rss_file_pages;   /* MM_FILEPAGES */
	__s64 rss_shmem_pages;  /* MM_SHMEMPAGES */
	__s64 swap_pages;       /* MM_SWAPENTS: pages of this process out in swap */
	__s64 rss_max_pages;    /* highest anon + file + shmem seen at any event of the interval */
	__u64 page_faults;      /* user-mode page faults (exceptions:page_fault_user), minor and major */
	__u64 rss_updates;      /* rss_stat events counted into this row */
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN]; /* the thread-group leader's */
};                          /* 80 bytes */

#endif /* MEMORY_H */

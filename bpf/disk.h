/* disk.h: shared by disk.bpf.c and kernel/collectors/disk.ts (layouts are a contract). */
#ifndef DISK_H
#define DISK_H

#include "bpflab.h"

#define DISK_MAX_ENTRIES  16384 /* (thread, device, op) rows over two live epochs; a full map counts as lost */
#define DISK_MAX_HISTS    4096  /* histogram pairs (1,208 bytes each, allocated when first used): at most 4.7 MiB */
#define DISK_SLOT_BITS    12
#define DISK_SLOTS        (1 << DISK_SLOT_BITS) /* in-flight requests' direct-mapped table: 320 KiB */
#define DISK_MAX_INFLIGHT 16384 /* in-flight requests whose slot another live request holds */

enum disk_stage {
	DISK_QUEUE = 0,   /* insert into the I/O scheduler to issue to the driver */
	DISK_SERVICE = 1, /* issue to the driver to completion */
	DISK_STAGES = 2,
};

struct disk_cfg {
	struct bpflab_filter_cfg filter;
	__u8 histogram;         /* 1: count each request's queue and service times in histograms (disk_hist) */
	__u8 io_start;          /* 1: block_io_start is attached (6.5+), so every request made from a bio is seen
				 * where it is made; one carrying bios seen first later was made before the capture */
	__u8 pad[6];
};                          /* 16 bytes */

struct disk_key {
	__u32 epoch;
	__u32 tid;              /* the thread that issued the request (not the one completing it) */
	__u32 pid;              /* its tgid */
	__u32 dev;              /* the disk, as the kernel's dev_t: major << 20 | minor */
	__u32 op;               /* REQ_OP_*: 0 read, 1 write, 2 flush, 3 discard, ... */
	__u32 pad;
};                          /* 24 bytes */

struct disk_val {
	__u64 count;            /* requests completed in the interval */
	__u64 bytes;            /* bytes of the thread's requests issued to the device in the interval (at their
				 * first issue), of its requests merged into another and its bios merged into any
				 * request: each byte charged once, to the thread that made it */
	__u64 errors;           /* completed with an error status */
	__u64 queued;           /* of those, requests that waited in the I/O scheduler (were inserted) */
	__u64 queue_ns;         /* total insert-to-issue time */
	__u64 queue_max_ns;
	__u64 service_ns;       /* total issue-to-completion time (the device's) */
	__u64 service_max_ns;
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN]; /* the thread-group leader's comm */
};                          /* 104 bytes */

/* Both stages' histograms in one element, so a completion looks up one. */
struct disk_hist {
	__u64 cgroup_id;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
	__u32 slots[DISK_STAGES * BPFLAB_HIST_SLOTS]; /* requests per latency bucket: the queue's, then service's */
};                          /* 1,208 bytes */

/* A request in flight: who made it and when it was queued and issued (keyed by its struct request pointer). */
struct disk_req {
	__u64 rq;               /* in the slots table, the request owning the slot (request_key(), low bit set once
				 * it ended); 0 in the hash map */
	__u64 insert_ns;        /* 0: issued directly, never queued */
	__u64 issue_ns;         /* 0: not issued yet; DISK_ENDED (disk.bpf.c): completed, merged or not traced */
	__u64 cgroup_id;
	__u64 bytes;            /* the request's size when made: its issuer's bytes (bios merged in later are charged
				 * to their own submitters where they merge) */
	__u32 tid;
	__u32 pid;
	char  comm[BPFLAB_COMM_LEN];
	char  pcomm[BPFLAB_COMM_LEN];
};                          /* 80 bytes */

#endif /* DISK_H */

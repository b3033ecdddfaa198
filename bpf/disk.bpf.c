// SPDX-License-Identifier: GPL-2.0
/* disk.bpf.c: block I/O per issuing thread, disk and operation, per interval: requests, bytes, queue time
 * (insert to issue) and service time (issue to completion). A request remembers who made it, keyed by its
 * struct request pointer, so one completed in interrupt context is still charged to its issuer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "disk.h"

const volatile struct disk_cfg cfg = {};
#include "bpflab.bpf.h"
#include "hist.bpf.h"

#define REQ_OP_MASK ((1 << 8) - 1) /* REQ_OP_BITS: the operation is the low byte of cmd_flags */
#define OP_DISCARD  3
#define OP_DRV_IN   34 /* this and above: passthrough (driver-private) commands, made without a bio */
#define PF_KTHREAD  0x00200000

/* In-flight requests, by struct request pointer, in two tables. First a direct-mapped one: an array whose
 * slot is a hash of the pointer, so finding a request costs an inlined array access rather than a hash map
 * lookup (the programs run four times per request). A slot belongs to one pointer at a time (disk_req.rq) and
 * passes to another only once its request has ended. Block requests come from a fixed pool per device, so a
 * pointer keeps finding its slot free for its next life, rewritten in place. A request whose slot holds
 * another live request goes to the second table, a hash map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DISK_SLOTS);
	__type(key, __u32);
	__type(value, struct disk_req);
} slots SEC(".maps");

/* LRU: the records of requests that are gone (a device removed with its request pool, or one freed without
 * a completion we saw) must not hold their elements for ever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DISK_MAX_INFLIGHT);
	__type(key, __u64); /* request_key() */
	__type(value, struct disk_req);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DISK_MAX_ENTRIES);
	__type(key, struct disk_key);
	__type(value, struct disk_val);
} counts SEC(".maps");

/* The disk a request is for, as dev_t (the kernel's MKDEV: major << 20 | minor). tp_btf arguments are BTF
 * pointers: plain loads (CO-RE relocated, fault-safe) instead of a bpf_probe_read_kernel call per field. */
static __always_inline __u32 request_dev(struct request *rq)
{
	struct gendisk *disk = rq->q->disk;

	if (!disk)
		return 0;
	return ((__u32)disk->major << 20) | (__u32)disk->first_minor;
}

/* A slot's owner once its request has ended: the key with its low bit set. The slot stays the key's (finding
 * its request ended) until another request takes it. */
#define SLOT_ENDED(key) ((key) | 1)

/* In the hash map, issue_ns of a record whose request has ended (completed, merged, or made by a process not
 * traced): kept for the next request that reuses the pointer, rewritten in place, instead of a delete and an
 * insert per request. */
#define DISK_ENDED (~0ULL)

/* A request's key: its struct request pointer as a number, the distance from a fixed address (the verifier
 * refuses arithmetic on a pointer but lets root take the difference of two). Unique and 8-aligned. */
static __always_inline __u64 request_key(struct request *rq)
{
	return (__u64)rq - (__u64)&cfg;
}

static __always_inline struct disk_req *slot_of(__u64 key)
{
	/* Fibonacci hashing: the requests of a pool are a fixed stride apart */
	__u32 i = (__u32)((key * 0x9E3779B97F4A7C15ULL) >> (64 - DISK_SLOT_BITS));

	return bpf_map_lookup_elem(&slots, &i);
}

/* The live record of request `key`, or NULL. A slot owned by `key`, live or ended, is its truth: the hash
 * map may hold an older life of it. */
static __always_inline struct disk_req *find_request(__u64 key)
{
	struct disk_req *r = slot_of(key);

	if (r && r->rq == key)
		return r;
	if (r && r->rq == SLOT_ENDED(key))
		return NULL;
	r = bpf_map_lookup_elem(&inflight, &key);
	return r && r->issue_ns != DISK_ENDED ? r : NULL;
}

/* Marks the request of record `r` (found for `key`) ended; the last access to `r`, since its slot can pass to
 * another request from then on. */
static __always_inline void end_request(struct disk_req *r, __u64 key)
{
	barrier(); /* every read of the record before it is given away */
	if (r->rq == key)
		r->rq = SLOT_ENDED(key);
	else
		r->issue_ns = DISK_ENDED;
}

/* Starts the record of request `key` (a new request or a reused pointer whose last life we did not see end)
 * with the current task as its issuer, when that task is wanted. NULL: not traced, and any record of the
 * pointer marked ended so that its previous request's issuer is not charged. */
static __always_inline struct disk_req *start_request(struct request *rq, __u64 key)
{
	/* plain loads from the BTF task pointer, not helper calls: this runs for every request */
	struct task_struct *t = bpf_get_current_task_btf();
	struct disk_req *s = slot_of(key), *r = NULL;
	__u32 tgid = t->tgid;
	struct disk_req init;
	__u64 owner;

	if (!s)
		return NULL; /* cannot happen: the index is below DISK_SLOTS */
	owner = s->rq;
	if (!tgid_wanted(tgid)) {
		if (owner == key)
			s->rq = SLOT_ENDED(key);
		else if (owner != SLOT_ENDED(key) && (r = bpf_map_lookup_elem(&inflight, &key)))
			r->issue_ns = DISK_ENDED;
		return NULL;
	}
	/* the slot: ours already, or free (never used, or its request ended) and taken before another CPU */
	if (owner == key || ((owner & 1 || !owner) && __sync_val_compare_and_swap(&s->rq, owner, key) == owner))
		r = s;
	init.rq = r ? key : 0;
	init.insert_ns = 0;
	init.issue_ns = 0;
	init.bytes = rq->__data_len;
	init.tid = t->pid;
	init.pid = tgid;
	init.cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	__builtin_memcpy(init.comm, t->comm, sizeof(init.comm));
	__builtin_memcpy(init.pcomm, t->group_leader->comm, sizeof(init.pcomm));
	if (!r)
		r = bpf_map_lookup_elem(&inflight, &key);
	if (r) {
		*r = init;
		return r;
	}
	if (bpf_map_update_elem(&inflight, &key, &init, BPF_ANY)) {
		count_lost_of(init.pid);
		return NULL;
	}
	return bpf_map_lookup_elem(&inflight, &key);
}

/* A new request made from a bio, in the submitter's context (6.5+; absent before, where insert or issue
 * stand in). The request pointer may be a reused one whose last life we did not see end: start afresh. */
SEC("tp_btf/block_io_start")
int BPF_PROG(disk_io_start, struct request *rq)
{
	start_request(rq, request_key(rq));
	return 0;
}

/* Whether a request first seen at its insert or issue is taken as the current task's. With block_io_start
 * attached, a request made from a bio that was not seen there was made before the capture, or by a process
 * not traced (its record was marked ended), and whoever dispatches it now (often a traced process running
 * the hardware queue, issuing everyone's requests) did not make it. Only requests made without a bio (the
 * flush machinery's, passthrough commands) are charged where first seen. */
static __always_inline bool unseen_is_current(struct request *rq)
{
	return !cfg.io_start || !rq->bio || (rq->cmd_flags & REQ_OP_MASK) >= OP_DRV_IN;
}

/* Where a request not seen starting is first seen (a kernel without block_io_start, or a request not made
 * from a bio), the current task is taken as its issuer, unless at its insert a kernel thread (kblockd
 * dispatching) inserts it for someone else. The task's flags are read only then: most requests were seen. */
SEC("tp_btf/block_rq_insert")
int BPF_PROG(disk_insert, struct request *rq)
{
	__u64 key = request_key(rq);
	struct disk_req *r = find_request(key);

	if (!r && !(bpf_get_current_task_btf()->flags & PF_KTHREAD) && unseen_is_current(rq))
		r = start_request(rq, key);
	if (r && !r->insert_ns)
		r->insert_ns = bpf_ktime_get_ns();
	return 0;
}

/* ---- queue and service time histograms (option histogram: the disk_hist frame) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DISK_MAX_HISTS);
	__type(key, struct disk_key); /* the row's key: one element holds both stages */
	__type(value, struct disk_hist);
} hists SEC(".maps");

/* The histograms of row `k`, made on first use with the identity of the request's issuer. */
static __always_inline struct disk_hist *hists_of(const struct disk_key *k, const struct disk_req *r)
{
	struct disk_hist *h = bpf_map_lookup_elem(&hists, k);

	if (!h) {
		static const struct disk_hist zero = {};

		h = insert_row(&hists, k, &zero, k->pid);
		if (!h)
			return NULL;
		h->cgroup_id = r->cgroup_id;
		__builtin_memcpy(h->comm, r->comm, sizeof(h->comm));
		__builtin_memcpy(h->pcomm, r->pcomm, sizeof(h->pcomm));
	}
	return h;
}

/* ---- end of histograms ---- */

/* Raises *p to v unless another CPU raised it further meanwhile. */
static __always_inline void max_u64(__u64 *p, __u64 v)
{
	for (int i = 0; i < 4; i++) {
		__u64 old = *p;

		if (v <= old || __sync_val_compare_and_swap(p, old, v) == old)
			return;
	}
}

/* The row of the issuer `r` of an I/O of operation `op` on disk `dev`, made on first use (NULL: the map is
 * full, counted as lost). */
static __always_inline struct disk_val *row_of(struct disk_key *key, const struct disk_req *r, __u32 dev, __u32 op)
{
	struct disk_val *v;

	key->epoch = current_epoch();
	key->tid = r->tid;
	key->pid = r->pid;
	key->dev = dev;
	key->op = op;
	key->pad = 0;
	v = bpf_map_lookup_elem(&counts, key);
	if (!v) {
		struct disk_val init = {};

		init.cgroup_id = r->cgroup_id;
		__builtin_memcpy(init.comm, r->comm, sizeof(init.comm));
		__builtin_memcpy(init.pcomm, r->pcomm, sizeof(init.pcomm));
		v = insert_row(&counts, key, &init, key->pid);
	}
	return v;
}

/* A request goes to the driver (again, after a requeue when the device was busy). Its issuer is charged its
 * bytes at the first issue rather than at completion: under load (the device's queue full, requests requeued
 * and issued again from kblockd) some requests end with no block_rq_complete run that this program sees
 * (the dd test lost whole requests that way: issued, never seen completing, while dd went on), and the
 * issue is not missed. Discards, whose merges have no tracepoint, charge what they complete instead. */
SEC("tp_btf/block_rq_issue")
int BPF_PROG(disk_issue, struct request *rq)
{
	__u64 rqkey = request_key(rq);
	struct disk_req *r = find_request(rqkey);
	__u32 op = rq->cmd_flags & REQ_OP_MASK;
	struct disk_key key;
	struct disk_val *v;

	/* unseen until its issue: a flush or passthrough request, charged to the task issuing it */
	if (!r && unseen_is_current(rq))
		r = start_request(rq, rqkey);
	if (!r)
		return 0;
	if (!r->issue_ns && r->bytes && op != OP_DISCARD && (v = row_of(&key, r, request_dev(rq), op)))
		__sync_fetch_and_add(&v->bytes, r->bytes);
	r->issue_ns = bpf_ktime_get_ns();
	return 0;
}

/* A request merged into another is freed without completing, its bios passed to the other one, which
 * completes them. Its issuer is charged its bytes here (the other request charges only its own, at its
 * issue), so bytes stay with the thread that made them whoever's request carries them. Discards are
 * the exception: their bios merge without a tracepoint, so a discard's bytes are those it completes. */
SEC("tp_btf/block_rq_merge")
int BPF_PROG(disk_merge, struct request *rq)
{
	__u64 rqkey = request_key(rq);
	struct disk_req *r = find_request(rqkey);
	__u32 op = rq->cmd_flags & REQ_OP_MASK;
	struct disk_key key;
	struct disk_val *v;

	if (!r)
		return 0;
	if (op != OP_DISCARD && r->bytes && (v = row_of(&key, r, request_dev(rq), op)))
		__sync_fetch_and_add(&v->bytes, r->bytes);
	end_request(r, rqkey);
	return 0;
}

/* A bio merged into a request already made (in the plug, or in the I/O scheduler), in its submitter's
 * context: no request is made for it, and the one that takes it may be another thread's, so its bytes are
 * charged to the submitter here. Before 6.5 (no block_io_start) a request's size is read where it is first
 * seen, merged bios included, so they are not charged again here. */
static __always_inline void bio_merged(struct bio *bio)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 op = bio->bi_opf & REQ_OP_MASK, tgid = t->tgid;
	struct gendisk *disk = bio->bi_bdev->bd_disk;
	struct disk_req who;
	struct disk_key key;
	struct disk_val *v;

	/* discards: see disk_merge */
	if (!cfg.io_start || op == OP_DISCARD || !tgid_wanted(tgid))
		return;
	who.tid = t->pid;
	who.pid = tgid;
	who.cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	__builtin_memcpy(who.comm, t->comm, sizeof(who.comm));
	__builtin_memcpy(who.pcomm, t->group_leader->comm, sizeof(who.pcomm));
	v = row_of(&key, &who, disk ? ((__u32)disk->major << 20) | (__u32)disk->first_minor : 0, op);
	if (v)
		__sync_fetch_and_add(&v->bytes, bio->bi_iter.bi_size);
}

SEC("tp_btf/block_bio_backmerge")
int BPF_PROG(disk_bio_backmerge, struct bio *bio)
{
	bio_merged(bio);
	return 0;
}

SEC("tp_btf/block_bio_frontmerge")
int BPF_PROG(disk_bio_frontmerge, struct bio *bio)
{
	bio_merged(bio);
	return 0;
}

/* `nr_bytes` of the request are done, often in interrupt context. A request may complete in parts: the last
 * part (nr_bytes covering what is left of it) ends it. Its bytes were charged at its issue (nr_bytes counts
 * those of bios and requests merged into it too, charged to their makers where they merged); a discard
 * charges what it completes (see disk_merge). */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(disk_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	__u64 now = bpf_ktime_get_ns(), rqkey = request_key(rq);
	struct disk_req *r = find_request(rqkey);
	struct disk_key key;
	struct disk_val *v;
	struct disk_hist *h;
	__u32 op;
	bool last;

	/* made before the capture, or by a process we do not trace */
	if (!r || !r->issue_ns)
		return 0;
	last = nr_bytes >= rq->__data_len;
	op = rq->cmd_flags & REQ_OP_MASK;
	if (!last && op != OP_DISCARD)
		return 0;
	v = row_of(&key, r, request_dev(rq), op);
	if (!v)
		return 0;
	/* atomics: completions of one thread's requests run on whichever CPU took the interrupt */
	if (op == OP_DISCARD)
		__sync_fetch_and_add(&v->bytes, nr_bytes);
	if (!last)
		return 0;
	__sync_fetch_and_add(&v->count, 1);
	if (error)
		__sync_fetch_and_add(&v->errors, 1);
	h = cfg.histogram ? hists_of(&key, r) : NULL;
	if (r->insert_ns && r->issue_ns > r->insert_ns) {
		__u64 q = r->issue_ns - r->insert_ns;

		__sync_fetch_and_add(&v->queued, 1);
		__sync_fetch_and_add(&v->queue_ns, q);
		max_u64(&v->queue_max_ns, q);
		/* completions of one thread's requests can run on several CPUs at once: atomic */
		if (h)
			hist_add(h->slots + DISK_QUEUE * BPFLAB_HIST_SLOTS, q, true);
	}
	__u64 s = now - r->issue_ns;

	__sync_fetch_and_add(&v->service_ns, s);
	max_u64(&v->service_max_ns, s);
	if (h)
		hist_add(h->slots + DISK_SERVICE * BPFLAB_HIST_SLOTS, s, true);
	end_request(r, rqkey);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* hist.bpf.h: the latency histogram every collector's `<name>_hist` frame shares: log2 buckets split in four,
 * in ns, with the bucket bounds kernel/collectors/histogram.ts computes from the same rule. */
#ifndef BPFLAB_HIST_BPF_H
#define BPFLAB_HIST_BPF_H

#include "bpflab.h"

/* Bucket s holds the values v with le(s-1) < v <= le(s) (Prometheus's `le`, an inclusive upper bound):
 *   s = 0:     v = 0
 *   s = 1..4:  v = s
 *   s >= 5:    with u = v - 1 in [2^e, 2^(e+1)), e >= 2, and q = the two bits below u's top bit,
 *              s = 4(e-1) + q + 1, so each power of two is cut in four (12.5-25 % wide buckets).
 * The last slot, BPFLAB_HIST_SLOTS - 1, holds everything from 2^BPFLAB_HIST_EXP ns (137 s) up. */

/* floor(log2(v)) for v > 0, in five compare-and-shift steps (BPF has no count-leading-zeros). */
static __always_inline __u32 hist_log2(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xFFFFFFFFULL) << 5;
	v >>= s;
	r |= s;
	s = (v > 0xFFFF) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xFF) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xF) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (__u32)(v >> 1);
}

/* The bucket of a latency of `v` ns. */
static __always_inline __u32 hist_slot(__u64 v)
{
	__u64 u;
	__u32 e;

	if (v <= 4)
		return (__u32)v;
	u = v - 1;
	e = hist_log2(u);
	if (e >= BPFLAB_HIST_EXP)
		return BPFLAB_HIST_SLOTS - 1;
	return 4 * (e - 1) + (__u32)((u >> (e - 2)) & 3) + 1;
}

/* Counts one value in `slots` (an array of BPFLAB_HIST_SLOTS). Plain add: the callers' rows belong to one
 * thread, which runs on one CPU at a time; shared rows pass `atomic`. */
static __always_inline void hist_add(__u32 *slots, __u64 v, bool atomic)
{
	__u32 s = hist_slot(v);

	/* cannot happen, but the verifier's range tracking does not see it: keep the compiler from dropping it */
	barrier_var(s);
	if (s >= BPFLAB_HIST_SLOTS)
		return;
	if (atomic)
		__sync_fetch_and_add(&slots[s], 1);
	else
		slots[s]++;
}

#endif /* BPFLAB_HIST_BPF_H */

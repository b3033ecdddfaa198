/* mm.bpf.h: an address space's RSS counters as the kernel keeps them, for the memory and signals (OOM) collectors. */
#ifndef BPFLAB_MM_BPF_H
#define BPFLAB_MM_BPF_H

/* Before 6.2 the counters were atomics in a struct mm_rss_stat; CO-RE picks the layout of the running kernel. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
};
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
};

/* The mm's counter of `member` in pages. Since 6.2 it is a percpu_counter: this reads its shared total, as
 * the rss_stat tracepoint itself does (get_mm_counter); per-CPU deltas not yet folded in (at most
 * percpu_counter_batch, 32+ pages, per CPU) are missing, so it can lag the exact sum by that much. */
static __always_inline __s64 mm_counter(struct mm_struct *mm, int member)
{
	__s64 v;

	/* direct loads, not bpf_probe_read: mm is a BTF pointer, and this runs on every page fault */
	if (bpf_core_type_exists(struct mm_rss_stat___old) &&
	    bpf_core_field_exists(((struct mm_struct___old *)0)->rss_stat.count)) {
		struct mm_struct___old *old = (void *)mm;

		v = old->rss_stat.count[member & 3].counter;
	} else {
		v = mm->rss_stat[member & 3].count;
	}
	return v < 0 ? 0 : v; /* like percpu_counter_read_positive: the shared total can dip below 0 */
}

#endif /* BPFLAB_MM_BPF_H */

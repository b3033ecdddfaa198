/* events.bpf.h: per-CPU ring buffers for event frames. Each CPU writes only its own ring, so producers never
 * share a ring's lock; user space maps every ring and reads the records in place (kernel/loader/mmap-ring.ts),
 * drained on a timer (records are submitted with BPF_RB_NO_WAKEUP: no wakeup cost per event). */
#ifndef EVENTS_BPF_H
#define EVENTS_BPF_H

#include "events.h"

/* The template of the per-CPU rings; user space creates one ring per possible CPU (of the size the capture asks
 * for) and stores it at the CPU's index before attaching. */
struct events_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 16);
};

/* EVENT_RINGS(name) defines `name_rings` (one ring per CPU, max_entries set to the CPU count by user space) and
 * `name_lost` (per CPU: records that found their CPU's ring full, i.e. lost per buffer). */
#define EVENT_RINGS(name)                                                                                     \
	struct {                                                                                                  \
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);                                                             \
		__uint(max_entries, 1);                                                                               \
		__type(key, __u32);                                                                                   \
		__array(values, struct events_ring);                                                                  \
	} name##_rings SEC(".maps");                                                                              \
	struct {                                                                                                  \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                                              \
		__uint(max_entries, 1);                                                                               \
		__type(key, __u32);                                                                                   \
		__type(value, __u64);                                                                                 \
	} name##_lost SEC(".maps")

/* Reserves `size` bytes in this CPU's ring of `rings`, or counts one lost record in `lost` and returns NULL. */
static __always_inline void *event_reserve(void *rings, void *lost, __u64 size)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 zero = 0;
	void *rb = bpf_map_lookup_elem(rings, &cpu);
	void *e = rb ? bpf_ringbuf_reserve(rb, size, 0) : NULL;

	if (!e) {
		__u64 *n = bpf_map_lookup_elem(lost, &zero);

		if (n)
			*n += 1;
	}
	return e;
}

/* No wakeup: nothing waits on the rings, user space drains them on its timer. */
#define event_submit(e) bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP)

#endif /* EVENTS_BPF_H */

/* announce.bpf.h: tells user space about each process whose stacks a collector records (profile, offcpu), so
 * it reads the process's /proc/PID/maps while the process lives. Include after bpflab.bpf.h; the including
 * object attaches ANNOUNCE_EXEC_PROG(name) so an exec (new mappings) is announced again. */
#ifndef ANNOUNCE_BPF_H
#define ANNOUNCE_BPF_H

#define ANNOUNCE_MAX_PIDS    16384   /* processes remembered as announced (LRU: an evicted one is announced again) */
#define ANNOUNCE_RINGBUF_SIZE (1 << 18) /* 256 KiB: 16,384 announcements between two drains (50-200 ms apart) */

/* A process seen for the first time (or again after exec). */
struct stack_announce {
	__u32 pid;
	__u32 pad;
};                          /* 8 bytes */

/* Processes already announced (pid -> 1). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ANNOUNCE_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} announced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ANNOUNCE_RINGBUF_SIZE);
} pids SEC(".maps");

/* Only the ring buffer carries it: this anchor puts the struct in BTF for the layout check. */
struct stack_announce *unused_stack_announce __attribute__((unused));

/* A lost announcement costs only that process's user symbols (it is retried at its next row). */
static __always_inline void announce(__u32 tgid)
{
	struct stack_announce *a;
	__u8 one = 1;

	if (!tgid || bpf_map_update_elem(&announced, &tgid, &one, BPF_NOEXIST))
		return; /* the idle task, or already announced */
	a = bpf_ringbuf_reserve(&pids, sizeof(*a), 0);
	if (!a) {
		bpf_map_delete_elem(&announced, &tgid);
		return;
	}
	a->pid = tgid;
	a->pad = 0;
	bpf_ringbuf_submit(a, BPF_RB_NO_WAKEUP);
}

/* exec replaces the mappings: announce the process again at its next row so user space rereads them. */
#define ANNOUNCE_EXEC_PROG(name)                                                                   \
	SEC("tp_btf/sched_process_exec")                                                           \
	int BPF_PROG(name, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)        \
	{                                                                                          \
		__u32 tgid = p->tgid;                                                              \
		bpf_map_delete_elem(&announced, &tgid);                                            \
		return 0;                                                                          \
	}

#endif /* ANNOUNCE_BPF_H */

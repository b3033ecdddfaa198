/* bpflab.h: structs shared by every collector's BPF side and kernel/loader (layouts are a contract). */
#ifndef BPFLAB_H
#define BPFLAB_H

#define BPFLAB_COMM_LEN    16
#define BPFLAB_MAX_TRACKED 8192   /* processes followed when filtering by pid (target + descendants) */
#define BPFLAB_MAX_LOST_PIDS 4096 /* processes whose lost records are counted one by one */
#define BPFLAB_HIST_EXP    37     /* histograms (hist.bpf.h) resolve latencies below 2^37 ns (137 s) */
#define BPFLAB_HIST_SLOTS  (4 * (BPFLAB_HIST_EXP - 1) + 2) /* 146: 0, 1..4, four per power of two, overflow */

struct bpflab_filter_cfg {
	__u32 targ_tgid;        /* the target process, for reference; the tracked map is what is checked */
	__u8  filter_tgid;      /* 1: only processes in `tracked` */
	__u8  follow_children;  /* 1: add children of tracked processes at fork */
	__u8  pad[2];
};                          /* 8 bytes */

struct bpflab_ctl {
	__u64 epoch_start_ns;   /* bpf_ktime_get_ns() when the current epoch began (set by user space with epoch) */
	__u64 capture_start_ns; /* when the capture began: what is known of a thread seen first is known from here */
	__u32 epoch;            /* interval number: rows are keyed by it, user space drains finished epochs */
	__u32 pad;
};                          /* 24 bytes */

#endif /* BPFLAB_H */

/* bpflab.h: structs shared by every collector's BPF side and kernel/loader (layouts are a contract). */
#ifndef BPFLAB_H
#define BPFLAB_H

#define BPFLAB_COMM_LEN    16
#define BPFLAB_MAX_TRACKED 8192   /* processes followed when filtering by pid (target + descendants) */

struct bpflab_filter_cfg {
	__u32 targ_tgid;        /* the target process, for reference; the tracked map is what is checked */
	__u8  filter_tgid;      /* 1: only processes in `tracked` */
	__u8  follow_children;  /* 1: add children of tracked processes at fork */
	__u8  pad[2];
};                          /* 8 bytes */

struct bpflab_ctl {
	__u32 epoch;            /* interval number; parity picks the keys being written */
	__u32 pad;
};                          /* 8 bytes */

#endif /* BPFLAB_H */

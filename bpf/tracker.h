/* tracker.h: the pid filter's process tracker, shared by tracker.bpf.c and kernel/capture/tracker.ts. */
#ifndef TRACKER_H
#define TRACKER_H

#include "bpflab.h"

struct tracker_cfg {
	struct bpflab_filter_cfg filter;
};                          /* 8 bytes */

#endif /* TRACKER_H */

/* cell.bpf.h: included before the code of a collector written in a notebook cell (kernel/cell/): the config
 * every bpflab object has (the pid filter) and the shared maps and helpers of bpflab.bpf.h, so a cell can call
 * tgid_wanted(tgid) to honour a capture's pid or command filter. */
#ifndef CELL_BPF_H
#define CELL_BPF_H

#include "bpflab.h"

struct bpflab_cell_cfg {
	struct bpflab_filter_cfg filter;
};                          /* 8 bytes */

const volatile struct bpflab_cell_cfg cfg = {};
#include "bpflab.bpf.h"

/* Names the record type of ring buffer `ring` for user space: BPFLAB_RECORD(events, struct my_event); */
#define BPFLAB_RECORD(ring, type) type *__bpflab_record_##ring __attribute__((unused))

#endif /* CELL_BPF_H */

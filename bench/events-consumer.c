/* events-consumer.c: the physical limit of consuming bpflab's syscall event rings, in C: loads the same
 * syscalls.bpf.o (event programs only, the .rodata bpflab would write, given as a file), creates the same per-CPU
 * rings, runs a workload while nothing drains, then times libbpf's ring_buffer__consume over every ring copying
 * each record's fields into columns (struct of arrays), as bpflab's decoder does.
 *
 *   events-consumer OBJ RODATA RING_BYTES MAX_EVENTS -- WORKLOAD ARGS...
 * prints one JSON line: {"events": N, "consume_ns": wall ns, "cpu_ns": CPU ns of the consume, "faults": minor
 * page faults during it (writing fresh column pages)}. With EVENTS_CONSUMER_WARM=1 every column is written once
 * before the timed drain (a consumer reusing its columns from drain to drain: no page faults), else only the two
 * name columns are. Built by bench/events-throughput.ts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

struct syscalls_event { /* bpf/events.h */
	unsigned long long ts_ns, lat_ns;
	long long ret;
	unsigned long long cgroup_id;
	unsigned int pid, tid, nr, pad;
	char comm[16], pcomm[16];
};

static struct {
	unsigned long long *ts, *lat, *cg;
	long long *ret;
	unsigned int *pid, *tid, *nr;
	char (*comm)[16], (*pcomm)[16];
	size_t n, cap;
} cols;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct syscalls_event *e = data;
	size_t i = cols.n;

	(void)ctx;
	if (size < sizeof(*e) || i >= cols.cap)
		return 0;
	cols.ts[i] = e->ts_ns;
	cols.lat[i] = e->lat_ns;
	cols.ret[i] = e->ret;
	cols.cg[i] = e->cgroup_id;
	cols.pid[i] = e->pid;
	cols.tid[i] = e->tid;
	cols.nr[i] = e->nr;
	memcpy(cols.comm[i], e->comm, 16);
	memcpy(cols.pcomm[i], e->pcomm, 16);
	cols.n++;
	return 0;
}

static double clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *rodata_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len);
	if (fread(buf, 1, *len, f) != *len)
		buf = NULL;
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *outer, *rodata;
	struct ring_buffer *rb = NULL;
	size_t rolen, cap;
	void *ro;
	int ncpu, ring_bytes, status;
	pid_t child;
	double t, cpu;
	struct rusage ru0, ru1;

	if (argc < 7 || strcmp(argv[5], "--")) {
		fprintf(stderr, "usage: events-consumer OBJ RODATA RING_BYTES MAX_EVENTS -- CMD ARGS...\n");
		return 2;
	}
	ring_bytes = atoi(argv[3]);
	cap = strtoul(argv[4], NULL, 10);
	ncpu = libbpf_num_possible_cpus();
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		perror("open object");
		return 1;
	}
	ro = rodata_file(argv[2], &rolen);
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	if (!ro || !rodata || bpf_map__set_initial_value(rodata, ro, rolen)) {
		fprintf(stderr, "rodata: size mismatch or missing\n");
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);

		bpf_program__set_autoload(prog, !strcmp(name, "sys_enter_ev") || !strcmp(name, "sys_exit_ev"));
	}
	outer = bpf_object__find_map_by_name(obj, "sys_events_rings");
	bpf_map__set_max_entries(outer, ncpu);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "tracked"), 1);
	if (bpf_object__load(obj)) {
		perror("load");
		return 1;
	}
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ev_c", 0, 0, ring_bytes, NULL);

		if (fd < 0 || bpf_map_update_elem(bpf_map__fd(outer), &cpu, &fd, 0)) {
			perror("ring");
			return 1;
		}
		if (!rb)
			rb = ring_buffer__new(fd, on_event, NULL, NULL);
		else
			ring_buffer__add(rb, fd, on_event, NULL);
	}
	cols.cap = cap;
	cols.ts = calloc(cap, 8), cols.lat = calloc(cap, 8), cols.cg = calloc(cap, 8), cols.ret = calloc(cap, 8);
	cols.pid = calloc(cap, 4), cols.tid = calloc(cap, 4), cols.nr = calloc(cap, 4);
	cols.comm = calloc(cap, 16), cols.pcomm = calloc(cap, 16);
	/* touch the name columns first (bpflab's dictionaries are warm from earlier drains); warm: all of them */
	memset(cols.comm, 0, cap * 16);
	memset(cols.pcomm, 0, cap * 16);
	if (getenv("EVENTS_CONSUMER_WARM") && !strcmp(getenv("EVENTS_CONSUMER_WARM"), "1")) {
		memset(cols.ts, 0, cap * 8), memset(cols.lat, 0, cap * 8), memset(cols.cg, 0, cap * 8);
		memset(cols.ret, 0, cap * 8), memset(cols.pid, 0, cap * 4), memset(cols.tid, 0, cap * 4);
		memset(cols.nr, 0, cap * 4);
	}
	bpf_object__for_each_program(prog, obj)
	{
		if (bpf_program__autoload(prog) && !bpf_program__attach(prog)) {
			perror("attach");
			return 1;
		}
	}
	child = fork();
	if (child == 0) {
		execv(argv[6], argv + 6);
		_exit(127);
	}
	waitpid(child, &status, 0);
	getrusage(RUSAGE_SELF, &ru0);
	t = clock_ns(CLOCK_MONOTONIC);
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	ring_buffer__consume(rb);
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	t = clock_ns(CLOCK_MONOTONIC) - t;
	getrusage(RUSAGE_SELF, &ru1);
	printf("{\"events\": %zu, \"consume_ns\": %.0f, \"cpu_ns\": %.0f, \"faults\": %ld}\n", cols.n, t, cpu,
	       ru1.ru_minflt - ru0.ru_minflt);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}

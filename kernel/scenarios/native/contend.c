/* contend.c: anomalies that need the kernel's help to show: threads contending on one kernel lock (the mm's
 * mmap_lock, or a directory's inode lock), and a process killed by the OOM killer in a memory-limited cgroup. */
#include "scn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/mman.h>

struct contender {
	const char *dir;
	int id, rename_mode;
	uint64_t end;
	long ops;
};

/* mmap/munmap of a page, touched in between: each takes the mm's mmap_lock for writing, so threads of one
 * process serialise on it; renames back and forth in one directory serialise on its inode lock the same way. */
static void *contend(void *arg)
{
	struct contender *c = arg;
	char a[512], b[512];
	long page = sysconf(_SC_PAGESIZE);

	snprintf(a, sizeof(a), "%s/contend-%d.a", c->dir, c->id);
	snprintf(b, sizeof(b), "%s/contend-%d.b", c->dir, c->id);
	if (c->rename_mode) {
		int fd = open(a, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0)
			return NULL;
		close(fd);
	}
	while (mono_ns() < c->end) {
		for (int i = 0; i < 64; i++) {
			if (c->rename_mode) {
				if (rename(c->ops % 2 ? b : a, c->ops % 2 ? a : b) == 0)
					c->ops++;
			} else {
				char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (p == MAP_FAILED)
					continue;
				p[0] = 1;
				munmap(p, (size_t)page);
				c->ops++;
			}
		}
	}
	unlink(a);
	unlink(b);
	return NULL;
}

#define CONTEND_MAX_THREADS 32

/* lock-contend seconds= threads= mode=mmap|rename [dir=]: `threads` threads hammer one kernel lock. */
static int lock_contend(const struct scn_args *a)
{
	static struct contender cs[CONTEND_MAX_THREADS];
	pthread_t ts[CONTEND_MAX_THREADS];
	int n = (int)arg_num(a, "threads", 4), started = 0;
	int rename_mode = !strcmp(arg_str(a, "mode", "mmap"), "rename");
	uint64_t end = mono_ns() + (uint64_t)(arg_num(a, "seconds", 5) * 1e9);
	long ops = 0;

	if (n < 2 || n > CONTEND_MAX_THREADS)
		n = 4;
	say("start %llu", (unsigned long long)mono_ns());
	for (int i = 0; i < n; i++) {
		cs[i] = (struct contender){ arg_str(a, "dir", "."), i, rename_mode, end, 0 };
		if (pthread_create(&ts[started], NULL, contend, &cs[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(ts[i], NULL);
		ops += cs[i].ops;
	}
	say("end %llu", (unsigned long long)mono_ns());
	say("stat threads %d", started);
	say("stat ops %ld", ops);
	return 0;
}

/* oom-victim procs=PATH mb_per_s= [chunk_mb=4] [limit_bytes=]: joins the memory-limited cgroup whose cgroup.procs is PATH, then
 * maps and touches memory at a steady rate until the OOM killer ends it (SIGKILL: exit status 137). It reports
 * "start" once in the cgroup; its end is its exit, which the capture's process frame has to the nanosecond. */
static int oom_victim(const struct scn_args *a)
{
	const char *procs = arg_str(a, "procs", "");
	double rate = arg_num(a, "mb_per_s", 64);
	size_t chunk = (size_t)arg_num(a, "chunk_mb", 4) << 20;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t next;
	char me[32];
	int fd = open(procs, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		die("open %s", procs);
	snprintf(me, sizeof(me), "%d\n", (int)getpid());
	if (write(fd, me, strlen(me)) < 0)
		die("join the cgroup");
	close(fd);
	say("start %llu", (unsigned long long)mono_ns());
	say("stat limit_bytes %.0f", arg_num(a, "limit_bytes", 0));
	next = mono_ns();
	for (;;) {
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			sleep_ns(10000000ull);
			continue;
		}
		madvise(p, chunk, MADV_NOHUGEPAGE);
		for (size_t o = 0; o < chunk; o += (size_t)page)
			p[o] = 1;
		next += (uint64_t)(chunk / (rate * (1 << 20)) * 1e9);
		sleep_until_ns(next);
	}
}

const struct anomaly_entry CONTEND_ANOMALIES[] = {
	{ "lock-contend", lock_contend },
	{ "oom-victim", oom_victim },
	{ NULL, NULL },
};

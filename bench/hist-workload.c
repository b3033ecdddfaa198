/* hist-workload.c: the workloads of bench/hist-overhead.ts. Each waits for one line on stdin first (time for the
 * bench to move it into the cgroup every tracer filters on), then runs and prints the mean CPU ns (all its
 * threads and children) and wall ns per operation.
 *   hist-workload getppid N          N getppid(2) calls
 *   hist-workload pingpong N         N one-byte round trips with a forked child over pipes (2 wakeups each)
 *   hist-workload dread FILE N       N 4 KiB O_DIRECT reads of FILE at successive offsets (one block request
 *                                    each, queue depth 1), wrapping at its end
 *   hist-workload mmap-storm T N     T threads each mmap+touch+munmap one page N times in one address space
 *                                    (they contend on the mm's mmap_lock); an operation is one such round
 * Syscalls go through syscall(2) so that libc cannot cache them. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* This process's threads plus its reaped children: the pipe partner's side of each round trip counts too. */
static double cpu_ns(void)
{
	struct rusage s, c;
	double ns = 0;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	ns += (s.ru_utime.tv_sec + c.ru_utime.tv_sec) * 1e9 + (s.ru_utime.tv_usec + c.ru_utime.tv_usec) * 1e3;
	ns += (s.ru_stime.tv_sec + c.ru_stime.tv_sec) * 1e9 + (s.ru_stime.tv_usec + c.ru_stime.tv_usec) * 1e3;
	return ns;
}

static long storm_n;

static void *storm(void *arg)
{
	(void)arg;
	for (long i = 0; i < storm_n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return (void *)1;
		p[0] = 1;
		munmap(p, 4096);
	}
	return NULL;
}

static int run(int argc, char **argv, long *ops)
{
	if (argc == 3 && !strcmp(argv[1], "getppid")) {
		long n = *ops = atol(argv[2]);

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "pingpong")) {
		long n = *ops = atol(argv[2]);
		int ab[2], ba[2];
		char c = 0;

		if (pipe(ab) || pipe(ba))
			return 1;
		pid_t p = fork();

		if (p == 0) {
			for (long i = 0; i < n; i++)
				if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
					_exit(1);
			_exit(0);
		}
		for (long i = 0; i < n; i++)
			if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
				return 1;
		int st;

		waitpid(p, &st, 0);
		return !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	if (argc == 4 && !strcmp(argv[1], "dread")) {
		long n = *ops = atol(argv[3]);
		int fd = open(argv[2], O_RDONLY | O_DIRECT);
		struct stat st;
		void *buf;

		if (fd < 0 || fstat(fd, &st) || st.st_size < 4096 || posix_memalign(&buf, 4096, 4096))
			return 1;
		long blocks = st.st_size / 4096;

		for (long i = 0; i < n; i++)
			if (pread(fd, buf, 4096, (i % blocks) * 4096) != 4096)
				return 1;
		return close(fd) != 0;
	}
	if (argc == 4 && !strcmp(argv[1], "mmap-storm")) {
		int t = atoi(argv[2]);
		pthread_t th[64];
		void *r;
		int bad = 0;

		storm_n = atol(argv[3]);
		*ops = t * storm_n;
		if (t < 1 || t > 64)
			return 1;
		for (int i = 0; i < t; i++)
			if (pthread_create(&th[i], NULL, storm, NULL))
				return 1;
		for (int i = 0; i < t; i++) {
			pthread_join(th[i], &r);
			bad |= r != NULL;
		}
		return bad;
	}
	fprintf(stderr, "usage: hist-workload getppid N | pingpong N | dread FILE N | mmap-storm T N\n");
	return 2;
}

int main(int argc, char **argv)
{
	char line[16];
	long ops = 1;

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	double t0 = now_ns(), c0 = cpu_ns();
	int rc = run(argc, argv, &ops);

	if (rc)
		return rc;
	printf("%.2f %.2f\n", (cpu_ns() - c0) / ops, (now_ns() - t0) / ops);
	return 0;
}

/* machine-load.c: processes with a known latency, disk, signal, lock or memory behaviour, for the histogram,
 * disk, signals, locks and cgroup collectors' tests (workload.c holds the syscall, CPU and fork ones).
 *   machine-load naps K MS FILE     K nanosleep(2) calls of MS ms each; writes each one's wall time (ns) to FILE
 *   machine-load dread FILE BYTES   read BYTES of FILE with O_DIRECT in 1 MiB reads (BYTES a multiple of 1 MiB)
 *   machine-load dwrite FILE BYTES  write BYTES to FILE with O_DIRECT in 1 MiB writes, then fsync
 *   machine-load signals K          wait for K SIGUSR1 (counted by the handler), print "ready" first
 *   machine-load mmap-storm T N     T threads each mmap+touch+munmap one page N times in one address space
 *                                   (they contend on the mm's mmap_lock, an rwsem)
 *   machine-load hog MB             once a line arrives on stdin (time to move it into a cgroup), allocate and
 *                                   touch MB MiB one MiB at a time (to be OOM-killed)
 *   machine-load pause              sleep until killed (a process to find in a cgroup)
 *   machine-load fork-on-line K N   once a line arrives on stdin, fork K children that each make N getppid(2)
 *                                   calls and exit 0; reap them
 * Every mode exits 0 when it did what it says. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1L << 20)

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

static long long mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The time around each call bounds what the kernel sees from above (it is the call plus a clock read). */
static int naps(long k, long ms, const char *path)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	FILE *out = fopen(path, "w");

	if (!out)
		return 1;
	for (long i = 0; i < k; i++) {
		long long t0 = mono_ns();

		if (syscall(SYS_nanosleep, &ts, NULL))
			return 1;
		fprintf(out, "%lld\n", mono_ns() - t0);
	}
	return fclose(out) != 0;
}

/* O_DIRECT needs an aligned buffer; one MiB per call keeps the request count easy to reason about. */
static int direct_io(const char *path, long bytes, int writing)
{
	void *buf;
	int fd = open(path, (writing ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY) | O_DIRECT, 0600);

	if (fd < 0 || posix_memalign(&buf, 4096, MIB))
		return 1;
	memset(buf, 0x5a, MIB);
	for (long done = 0; done < bytes; done += MIB) {
		ssize_t n = writing ? write(fd, buf, MIB) : read(fd, buf, MIB);

		if (n != MIB)
			return 1;
	}
	if (writing && fsync(fd))
		return 1;
	return close(fd) != 0;
}

static int signals(long k)
{
	struct sigaction sa = { 0 };
	sigset_t none;

	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 1;
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&none);
	while (got < k)
		sigsuspend(&none);
	return 0;
}

static long storm_n;
static pthread_barrier_t storm_start;

static void *storm(void *arg)
{
	(void)arg;
	/* every thread's stack is mapped before any storm starts: otherwise the main thread's own mmap in
	 * pthread_create waits for the first workers' mmap_lock, and "only the workers wait" would not hold */
	pthread_barrier_wait(&storm_start);
	for (long i = 0; i < storm_n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return (void *)1;
		p[0] = 1;
		munmap(p, 4096);
	}
	return NULL;
}

static int mmap_storm(int threads, long n)
{
	pthread_t t[64];
	void *r;
	int bad = 0;

	if (threads < 1 || threads > 64)
		return 1;
	storm_n = n;
	if (pthread_barrier_init(&storm_start, NULL, threads + 1))
		return 1;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, storm, NULL))
			return 1;
	pthread_barrier_wait(&storm_start);
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], &r);
		bad |= r != NULL;
	}
	return bad;
}

static int hog(long mb)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (long i = 0; i < mb; i++) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		memset(p, 1, MIB);
	}
	return 0;
}

static int fork_on_line(int k, long n)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 0; i < k; i++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0) {
			for (long j = 0; j < n; j++)
				syscall(SYS_getppid);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "naps"))
		return naps(atol(argv[2]), atol(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "dread"))
		return direct_io(argv[2], atol(argv[3]), 0);
	if (argc == 4 && !strcmp(argv[1], "dwrite"))
		return direct_io(argv[2], atol(argv[3]), 1);
	if (argc == 3 && !strcmp(argv[1], "signals"))
		return signals(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "mmap-storm"))
		return mmap_storm(atoi(argv[2]), atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "hog"))
		return hog(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "fork-on-line"))
		return fork_on_line(atoi(argv[2]), atol(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "pause")) {
		pause();
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of machine-load.c\n");
	return 2;
}

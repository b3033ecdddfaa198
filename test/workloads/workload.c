/* workload.c: processes whose behaviour is known exactly, for checking what the collectors measure.
 *   workload getppid N        make exactly N getppid(2) calls
 *   workload burn MS          spin until this thread has used MS ms of CPU
 *   workload sleep MS         sleep MS ms in one nanosleep(2)
 *   workload fork K           fork K children; child i exits with code i % 7; reap them all
 *   workload write BYTES FILE write BYTES bytes to FILE in 64 KiB writes
 *   workload wait-stdin       block until stdin closes (a process to attach to by pid)
 *   workload sequence K       K rounds of eight distinct syscalls in a fixed order (getppid, getuid, getgid,
 *                             geteuid, getegid, gettid, getpgrp, getsid(0)): the order a tracer must report
 *   workload threads T N      T threads making N getppid calls each (concurrent producers)
 *   workload clock N US FILE  N calls lseek(fd, i, SEEK_SET) on a memfd (each returns its own index i), one
 *                             every US µs; FILE gets "i before_ns after_ns" per call, written as it goes
 *                             (CLOCK_MONOTONIC around it, the clock of bpf_ktime_get_ns): which calls fell in a
 *                             time window is known
 *   workload burst MS N FILE  MS ms of one getppid a millisecond, then N getppid calls at once (FILE gets the
 *                             CLOCK_MONOTONIC ns where they begin), then MS ms steady again: an anomaly at a
 *                             known time in a process with a steady past
 *   workload time-threads T N the same, then print the mean CPU ns (all threads) and wall ns per call
 *   workload time-getppid N   N getppid calls, then print the mean CPU ns and wall ns per call (benchmarks)
 *   workload pingpong N       N round trips of one byte between two processes over pipes (2 wakeups and
 *                             context switches each), then print the mean CPU ns (both processes) and wall
 *                             ns per round trip (benchmarks)
 *   workload alloc MB         mmap MB MiB of anonymous memory (no huge pages), touch every page once, hold it
 *                             300 ms, unmap it, then linger 200 ms so the drop is seen in its own interval
 *   workload time-alloc MB    map, touch and unmap MB MiB, 5 times, then print the mean CPU ns and wall ns
 *                             per page touched (one page fault each) (benchmarks)
 *   workload pageout MB FILE  a child maps MB MiB of FILE (written first, clean) and reads every page; then
 *                             this process pages them out of the child with process_madvise(MADV_PAGEOUT):
 *                             the child's file RSS drops by MB MiB in this process's context, not the child's
 *   workload sock BYTES [tcp|unix]  send exactly BYTES bytes from this process to a forked child over a
 *                             loopback TCP connection (default) or a unix socketpair; the child reads to the
 *                             end and exits 0 if it got exactly BYTES
 *   workload sockpingpong N [tcp|unix]  N round trips of one byte between two processes over a socket, then
 *                             print the mean CPU ns (both processes) and wall ns per round trip (benchmarks)
 *   workload starve MS FILE   (root) on one CPU: a spinning thread, and a thread that sleeps until 300 ms into
 *                             a SCHED_FIFO hog that spins MS ms, then spins too: both wait on the run queue
 *                             behind the hog, one preempted, one woken. FILE gets "spinner|woken TID WAIT_NS"
 *                             per thread, WAIT_NS its time runnable but not running (wall time since it
 *                             became runnable minus its CPU time: it never blocks meanwhile), and
 *                             "hog TID START_NS END_NS" (CLOCK_MONOTONIC): the noisy neighbour's case
 *   workload turn NORMAL_MS ABNORMAL_MS  a loop (getppid, 2 ms sleep) for NORMAL_MS, then the same loop also
 *                             opening /etc/hostname and running /bin/sh every 100 ms for ABNORMAL_MS (sequences)
 * CPU time is what tracing adds to: probes run in the traced thread's context, and unlike wall time it does
 * not grow when other work shares the machine.
 * Syscalls go through syscall(2) so that libc cannot cache or merge them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>

static long thread_calls;

static void *getppid_thread(void *arg)
{
	(void)arg;
	for (long i = 0; i < thread_calls; i++)
		syscall(SYS_getppid);
	return NULL;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* user + system CPU of this process and its reaped children, ns */
static double cpu_ns(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) * 1e9 +
	       (a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec + b.ru_stime.tv_usec) * 1e3;
}

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Maps `bytes` of private anonymous memory without huge pages (one fault per base page), writes one byte in
 * every page and returns it; NULL on failure. */
static char *map_touched(size_t bytes, long page)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_NOHUGEPAGE);
	for (size_t o = 0; o < bytes; o += page)
		p[o] = 1;
	return p;
}

/* A connected pair of stream sockets: a loopback TCP connection (tcp) or a unix socketpair. With tcp,
 * sv[0] is the accepted (server) end and sv[1] the connecting end; the listener is closed. */
static int stream_pair(const char *kind, int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, one = 1;

	if (!strcmp(kind, "unix"))
		return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (strcmp(kind, "tcp"))
		return -1;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	sv[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[1] < 0 || connect(sv[1], (struct sockaddr *)&a, sizeof(a)))
		return -1;
	sv[0] = accept(l, NULL, NULL);
	close(l);
	if (sv[0] < 0)
		return -1;
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* ---- starve: threads starved of their CPU by a SCHED_FIFO hog on it ---- */

struct starved {
	double since_ns;     /* CLOCK_MONOTONIC: runnable from here (created, or its sleep's end) */
	double wait_ns;      /* runnable but not running, from since_ns to when it saw `stop` */
	double sleep_until;  /* 0: spin from the start; else sleep until this CLOCK_MONOTONIC ns first */
	pid_t tid;
};

static volatile int starve_stop;
static double hog_ms, hog_start, hog_end;
static pid_t hog_tid;

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Spins until `stop`, so it is never blocked: the wall time it did not run is time it waited for the CPU. */
static void *starved_thread(void *arg)
{
	struct starved *st = arg;
	double cpu0 = 0;

	st->tid = syscall(SYS_gettid);
	if (st->sleep_until) {
		struct timespec ts = { (time_t)(st->sleep_until / 1e9), (long)((long long)st->sleep_until % 1000000000LL) };

		/* the CPU it used before sleeping is before since_ns: left out */
		cpu0 = thread_cpu_ns();
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		st->since_ns = st->sleep_until; /* the timer wakes it there (give or take its slack, µs) */
	}
	while (!starve_stop)
		;
	st->wait_ns = (now_ns() - st->since_ns) - (thread_cpu_ns() - cpu0);
	return NULL;
}

static void *hog_thread(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };

	(void)arg;
	hog_tid = syscall(SYS_gettid);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		hog_start = -1;
		return NULL;
	}
	hog_start = now_ns();
	while (now_ns() < hog_start + hog_ms * 1e6)
		;
	hog_end = now_ns();
	return NULL;
}

static int starve(double ms, const char *path)
{
	struct starved spin = { 0 }, woken = { 0 };
	struct timespec gap = { 0, 100 * 1000000L };
	pthread_t ts, tw, th;
	cpu_set_t set;
	FILE *out;
	int cpu = -1;

	/* every thread on the first CPU this process may use (threads inherit the mask) */
	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	hog_ms = ms;
	spin.since_ns = now_ns();
	if (pthread_create(&ts, NULL, starved_thread, &spin))
		return 1;
	/* the hog starts 100 ms from now: this one wakes 300 ms into it, and waits from there */
	woken.since_ns = woken.sleep_until = now_ns() + 400e6;
	if (pthread_create(&tw, NULL, starved_thread, &woken))
		return 1;
	nanosleep(&gap, NULL);
	if (pthread_create(&th, NULL, hog_thread, NULL))
		return 1;
	pthread_join(th, NULL);
	if (hog_start < 0) {
		fprintf(stderr, "workload starve: SCHED_FIFO needs root\n");
		return 1;
	}
	starve_stop = 1;
	pthread_join(ts, NULL);
	pthread_join(tw, NULL);
	out = fopen(path, "w");
	if (!out)
		return 1;
	fprintf(out, "spinner %d %.0f\nwoken %d %.0f\nhog %d %.0f %.0f\n", spin.tid, spin.wait_ns, woken.tid,
		woken.wait_ns, hog_tid, hog_start, hog_end);
	return fclose(out) ? 1 : 0;
}

/* ---- end of starve ---- */

/* A child's report: "child <pid> <ns>" in PATH, then its exit (0 if written). */
static void child_report(const char *path, double ns)
{
	FILE *out = fopen(path, "w");

	if (!out)
		_exit(1);
	fprintf(out, "child %d %.0f\n", getpid(), ns);
	_exit(fclose(out) ? 1 : 0);
}

/* ---- pipe-wait: a parent blocked on a pipe until its child writes ---- */

/* The parent reads a pipe; its child sleeps `ms` (woken by a timer: nobody's wakeup) and then writes, which
 * wakes the parent after ~ms of blocking (the child starts its sleep once the parent blocks). PATH gets
 * "child <pid> <ns slept>". */
/* the parent's state in /proc/<ppid>/stat is S (interruptible sleep): the field after the ")" that ends comm */
static int parent_sleeping(void)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getppid());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static int pipe_wait(double ms, const char *path)
{
	struct timespec d = { (time_t)(ms / 1000), (long)((ms - 1000 * (long)(ms / 1000)) * 1e6) };
	int fds[2], status;
	char c;
	pid_t child;

	if (pipe(fds))
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (!child) {
		/* start the clock only once the parent sleeps in read(2): with every CPU busy the parent may reach it
		 * milliseconds after the fork, and its block must hold the whole of the child's sleep */
		while (!parent_sleeping())
			sched_yield();
		double t0 = now_ns();

		nanosleep(&d, NULL);
		double slept = now_ns() - t0;
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		child_report(path, slept);
	}
	if (read(fds[0], &c, 1) != 1)
		return 1;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	return 0;
}

/* ---- end of pipe-wait ---- */

/* ---- queue-behind: a child queued for a CPU its SCHED_FIFO parent holds ---- */

/* Parent and child pinned to one CPU. The child says it is about to sleep (a pipe), then sleeps until 100 ms from
 * then; the parent, at SCHED_FIFO once the child is asleep, burns that CPU until `ms` past the child's wakeup time:
 * the child, woken by its timer, waits in the run queue behind its parent. PATH gets "child <pid> <ns from its
 * wakeup time to running again>". Needs root (SCHED_FIFO). */
static int queue_behind(double ms, const char *path)
{
	struct sched_param fifo = { .sched_priority = 10 };
	struct timespec at, nap = { 0, 20000000L };
	int status, cpu = -1, fds[2];
	cpu_set_t set;
	pid_t child;
	char c = 'x';

	if (sched_getaffinity(0, sizeof(set), &set) || pipe(fds))
		return 1;
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_nsec += 100000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_nsec -= 1000000000L;
		at.tv_sec++;
	}
	double wake = at.tv_sec * 1e9 + at.tv_nsec;

	child = fork();
	if (child < 0)
		return 1;
	if (!child) {
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
		child_report(path, now_ns() - wake);
	}
	if (read(fds[0], &c, 1) != 1)
		return 1;
	nanosleep(&nap, NULL); /* the child is in its sleep by now */
	if (sched_setscheduler(0, SCHED_FIFO, &fifo)) {
		fprintf(stderr, "workload queue-behind: SCHED_FIFO needs root\n");
		return 1;
	}
	while (now_ns() < wake + ms * 1e6)
		;
	fifo.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &fifo);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	return 0;
}

/* ---- end of queue-behind ---- */

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "queue-behind") && argc == 4)
		return queue_behind(atof(argv[2]), argv[3]);
	if (!strcmp(argv[1], "pipe-wait") && argc == 4)
		return pipe_wait(atof(argv[2]), argv[3]);
	if (!strcmp(argv[1], "getppid") && argc == 3) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		return 0;
	}
	if (!strcmp(argv[1], "sequence") && argc == 3) {
		long k = atol(argv[2]);

		for (long i = 0; i < k; i++) {
			syscall(SYS_getppid);
			syscall(SYS_getuid);
			syscall(SYS_getgid);
			syscall(SYS_geteuid);
			syscall(SYS_getegid);
			syscall(SYS_gettid);
			syscall(SYS_getpgrp);
			syscall(SYS_getsid, 0);
		}
		return 0;
	}
	if ((!strcmp(argv[1], "threads") || !strcmp(argv[1], "time-threads")) && argc == 4) {
		int t = atoi(argv[2]);
		pthread_t th[64];
		double t0 = now_ns(), c0 = cpu_ns();

		thread_calls = atol(argv[3]);
		if (t < 1 || t > 64)
			goto usage;
		for (int i = 0; i < t; i++)
			pthread_create(&th[i], NULL, getppid_thread, NULL);
		for (int i = 0; i < t; i++)
			pthread_join(th[i], NULL);
		if (argv[1][0] == 't' && argv[1][1] == 'i')
			printf("%.2f %.2f\n", (cpu_ns() - c0) / (t * thread_calls), (now_ns() - t0) / (t * thread_calls));
		return 0;
	}
	if (!strcmp(argv[1], "clock") && argc == 5) {
		long n = atol(argv[2]), us = atol(argv[3]);
		int fd = syscall(SYS_memfd_create, "clock", 0);
		int out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		struct timespec next;

		if (fd < 0 || out < 0 || us < 1)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &next);
		for (long i = 0; i < n; i++) {
			double before, after;

			next.tv_nsec += us * 1000;
			while (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
			before = now_ns();
			if (syscall(SYS_lseek, fd, i, SEEK_SET) != i)
				return 1;
			after = now_ns();
			/*
			 * one write per line: a process killed mid-run leaves every call it made in FILE (snprintf + write,
			 * not dprintf: glibc's dprintf calls lseek on FILE, which would mix with the calls being counted)
			 */
			char line[80];
			int len = snprintf(line, sizeof(line), "%ld %.0f %.0f\n", i, before, after);

			if (write(out, line, len) != len)
				return 1;
		}
		return close(out) ? 1 : 0;
	}
	if (!strcmp(argv[1], "burst") && argc == 5) {
		long ms = atol(argv[2]), n = atol(argv[3]);
		int out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		char line[40];
		int len;

		if (out < 0)
			return 1;
		for (long i = 0; i < ms; i++) {
			syscall(SYS_getppid);
			usleep(1000);
		}
		len = snprintf(line, sizeof(line), "%.0f\n", now_ns());
		if (write(out, line, len) != len || close(out))
			return 1;
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		for (long i = 0; i < ms; i++) {
			syscall(SYS_getppid);
			usleep(1000);
		}
		return 0;
	}
	if (!strcmp(argv[1], "time-getppid") && argc == 3) {
		long n = atol(argv[2]);
		double t0 = now_ns(), c0 = cpu_ns();

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		printf("%.2f %.2f\n", (cpu_ns() - c0) / n, (now_ns() - t0) / n);
		return 0;
	}
	if (!strcmp(argv[1], "pingpong") && argc == 3) {
		long n = atol(argv[2]);
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
		double t0 = now_ns(), c0 = cpu_ns();

		for (long i = 0; i < n; i++)
			if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
				return 1;
		double wall = now_ns() - t0;

		waitpid(p, NULL, 0);
		printf("%.2f %.2f\n", (cpu_ns() - c0) / n, wall / n);
		return 0;
	}
	if (!strcmp(argv[1], "starve") && argc == 4)
		return starve(atof(argv[2]), argv[3]);
	if (!strcmp(argv[1], "burn") && argc == 3) {
		double until = thread_cpu_ms() + atof(argv[2]);
		volatile unsigned long x = 0;

		while (thread_cpu_ms() < until)
			for (int i = 0; i < 10000; i++)
				x += i;
		return 0;
	}
	if (!strcmp(argv[1], "sleep") && argc == 3) {
		long ms = atol(argv[2]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		syscall(SYS_nanosleep, &ts, NULL);
		return 0;
	}
	if (!strcmp(argv[1], "fork") && argc == 3) {
		int k = atoi(argv[2]);

		for (int i = 0; i < k; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(i % 7);
			if (p < 0)
				return 1;
		}
		while (wait(NULL) > 0)
			;
		return 0;
	}
	/* K children one after the other, each reaped before the next: a long-running parent's steady churn */
	if (!strcmp(argv[1], "forkwait") && argc == 3) {
		int k = atoi(argv[2]);

		for (int i = 0; i < k; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p < 0 || waitpid(p, NULL, 0) != p)
				return 1;
		}
		return 0;
	}
	if (!strcmp(argv[1], "write") && argc == 4) {
		long left = atol(argv[2]);
		static char buf[65536];
		int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			return 1;
		while (left > 0) {
			long n = left < (long)sizeof(buf) ? left : (long)sizeof(buf);

			if (syscall(SYS_write, fd, buf, n) != n)
				return 1;
			left -= n;
		}
		close(fd);
		return 0;
	}
	if (!strcmp(argv[1], "wait-stdin") && argc == 2) {
		char c;

		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (!strcmp(argv[1], "alloc") && argc == 3) {
		size_t bytes = (size_t)atol(argv[2]) << 20;
		struct timespec hold = { 0, 300000000L }, linger = { 0, 200000000L };
		char *p = map_touched(bytes, sysconf(_SC_PAGESIZE));

		if (!p)
			return 1;
		nanosleep(&hold, NULL);
		munmap(p, bytes);
		nanosleep(&linger, NULL);
		return 0;
	}
	if (!strcmp(argv[1], "time-alloc") && argc == 3) {
		size_t bytes = (size_t)atol(argv[2]) << 20;
		long page = sysconf(_SC_PAGESIZE), pages = 0;
		double t0 = now_ns(), c0 = cpu_ns();

		for (int r = 0; r < 5; r++) {
			char *p = map_touched(bytes, page);

			if (!p)
				return 1;
			munmap(p, bytes);
			pages += bytes / page;
		}
		printf("%.2f %.2f\n", (cpu_ns() - c0) / pages, (now_ns() - t0) / pages);
		return 0;
	}
	if (!strcmp(argv[1], "pageout") && argc == 4) {
		size_t bytes = (size_t)atol(argv[2]) << 20;
		long page = sysconf(_SC_PAGESIZE);
		struct timespec hold = { 0, 300000000L };
		static char buf[65536];
		int up[2], down[2], status, fd = open(argv[3], O_RDWR | O_CREAT | O_TRUNC, 0644);
		char *addr;

		if (fd < 0 || pipe(up) || pipe(down))
			return 1;
		for (size_t o = 0; o < bytes; o += sizeof(buf))
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				return 1;
		fsync(fd); /* clean pages: reclaim drops them without writing back */
		pid_t p = fork();

		if (p == 0) {
			volatile char sum = 0;
			char *m = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);

			if (m == MAP_FAILED)
				_exit(1);
			for (size_t o = 0; o < bytes; o += page)
				sum += m[o];
			if (write(up[1], &m, sizeof(m)) != sizeof(m) || read(down[0], buf, 1) != 1)
				_exit(1);
			_exit(0);
		}
		if (read(up[0], &addr, sizeof(addr)) != sizeof(addr))
			return 1;
		nanosleep(&hold, NULL);
		int pidfd = syscall(SYS_pidfd_open, p, 0);
		struct iovec iov = { addr, bytes };
		long done = syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_PAGEOUT, 0);

		nanosleep(&hold, NULL);
		if (write(down[1], "x", 1) != 1 || waitpid(p, &status, 0) != p)
			return 1;
		unlink(argv[3]);
		return done == (long)bytes && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 3;
	}
	if (!strcmp(argv[1], "sock") && (argc == 3 || argc == 4)) {
		long left = atol(argv[2]);
		static char buf[65536];
		int sv[2], status;

		if (stream_pair(argc == 4 ? argv[3] : "tcp", sv))
			return 1;
		pid_t p = fork();

		if (p == 0) {
			long got = 0, n;

			close(sv[0]);
			while ((n = read(sv[1], buf, sizeof(buf))) > 0)
				got += n;
			_exit(n == 0 && got == atol(argv[2]) ? 0 : 1);
		}
		close(sv[1]);
		while (left > 0) {
			long n = write(sv[0], buf, left < (long)sizeof(buf) ? left : (long)sizeof(buf));

			if (n <= 0)
				return 1;
			left -= n;
		}
		close(sv[0]);
		if (waitpid(p, &status, 0) != p || !WIFEXITED(status))
			return 1;
		return WEXITSTATUS(status);
	}
	if (!strcmp(argv[1], "sockpingpong") && (argc == 3 || argc == 4)) {
		long n = atol(argv[2]);
		int sv[2];
		char c = 0;

		if (stream_pair(argc == 4 ? argv[3] : "tcp", sv))
			return 1;
		pid_t p = fork();

		if (p == 0) {
			close(sv[0]);
			for (long i = 0; i < n; i++)
				if (read(sv[1], &c, 1) != 1 || write(sv[1], &c, 1) != 1)
					_exit(1);
			_exit(0);
		}
		close(sv[1]);
		double t0 = now_ns(), c0 = cpu_ns();

		for (long i = 0; i < n; i++)
			if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
				return 1;
		double wall = now_ns() - t0;

		waitpid(p, NULL, 0);
		printf("%.2f %.2f\n", (cpu_ns() - c0) / n, wall / n);
		return 0;
	}
	/*
	 * A service loop that turns: getppid then a 2 ms sleep, for NORMAL_MS; then for ABNORMAL_MS the same loop
	 * also opens /etc/hostname and, every 100 ms, runs a shell (fork, execve /bin/sh): calls and orders the loop
	 * never made, what a sequence model should flag (the online n-gram test).
	 */
	if (!strcmp(argv[1], "turn") && argc == 4) {
		double normal = atof(argv[2]) * 1e6, abnormal = atof(argv[3]) * 1e6;
		double t0 = now_ns(), last_shell = 0;
		struct timespec ts = { 0, 2000000L };

		for (;;) {
			double el = now_ns() - t0;

			if (el >= normal + abnormal)
				break;
			syscall(SYS_getppid);
			syscall(SYS_nanosleep, &ts, NULL);
			if (el < normal)
				continue;
			int fd = open("/etc/hostname", O_RDONLY);

			if (fd >= 0)
				close(fd);
			if (el - last_shell >= 1e8) {
				pid_t p = fork();

				last_shell = el;
				if (p == 0) {
					execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
					_exit(127);
				}
				if (p < 0 || waitpid(p, NULL, 0) != p)
					return 1;
			}
		}
		return 0;
	}
usage:
	fprintf(stderr, "usage: workload getppid N | burn MS | sleep MS | fork K | forkwait K | write BYTES FILE | wait-stdin | time-getppid N | pingpong N |\n"
		"       alloc MB | time-alloc MB | sock BYTES [tcp|unix] | sockpingpong N [tcp|unix] |\n"
		"       pageout MB FILE | sequence K | threads T N | time-threads T N | clock N US FILE |\n"
		"       burst MS N FILE | starve MS FILE | turn NORMAL_MS ABNORMAL_MS\n");
	return 2;
}

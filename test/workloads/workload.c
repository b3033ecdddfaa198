/* workload.c: processes whose behaviour is known exactly, for checking what the collectors measure.
 *   workload getppid N        make exactly N getppid(2) calls
 *   workload burn MS          spin until this thread has used MS ms of CPU
 *   workload sleep MS         sleep MS ms in one nanosleep(2)
 *   workload fork K           fork K children; child i exits with code i % 7; reap them all
 *   workload write BYTES FILE write BYTES bytes to FILE in 64 KiB writes
 *   workload wait-stdin       block until stdin closes (a process to attach to by pid)
 *   workload time-getppid N   N getppid calls, then print the mean CPU ns and wall ns per call (benchmarks)
 *   workload pingpong N       N round trips of one byte between two processes over pipes (2 wakeups and
 *                             context switches each), then print the mean CPU ns (both processes) and wall
 *                             ns per round trip (benchmarks)
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

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "getppid") && argc == 3) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
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
usage:
	fprintf(stderr, "usage: workload getppid N | burn MS | sleep MS | fork K | write BYTES FILE | wait-stdin | time-getppid N | pingpong N\n");
	return 2;
}

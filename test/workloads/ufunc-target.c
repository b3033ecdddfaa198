/* ufunc-target.c: a program whose user-space function calls are known exactly, for the ufunc collector's tests
 * and bench (built -O0 -g so that the probed functions stay real, separate functions).
 *   ufunc-target run N M G SPIN_US EVERY
 *       call work_item(i) for i in [0, N): calls with i % EVERY == 0 spin SPIN_US µs, the others return at once;
 *       then other_item() M times, libc getpid() G times, and nest(5) (6 nested calls) 10 times.
 *       Prints "work_ns T": the total time of the work_item calls as measured around each call here.
 *   ufunc-target nest D R
 *       call nest(D) R times: D + 1 nested calls each (recursion deeper than the collector times).
 *   ufunc-target time N
 *       call tiny() N times, then print the mean CPU ns and wall ns per call (benchmarks).
 *   ufunc-target wait-stdin
 *       call work_item(1) once per line read from stdin, until it closes (a process to attach to by pid). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long spin_us = 0, every = 1;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The probed functions: exported, never inlined, so each call is one entry and one return. */
__attribute__((noinline, used)) long work_item(long i)
{
	if (spin_us > 0 && i % every == 0) {
		long long until = now_ns() + spin_us * 1000LL;

		while (now_ns() < until)
			;
	}
	return i * 2;
}

__attribute__((noinline, used)) long other_item(long i)
{
	return i + 1;
}

__attribute__((noinline, used)) long nest(int depth)
{
	return depth > 0 ? nest(depth - 1) + 1 : 0;
}

__attribute__((noinline, used)) long tiny(long i)
{
	return i ^ 1;
}

int main(int argc, char **argv)
{
	volatile long sink = 0;

	if (argc == 7 && !strcmp(argv[1], "run")) {
		long n = atol(argv[2]), m = atol(argv[3]), g = atol(argv[4]);
		long long total = 0;

		spin_us = atol(argv[5]);
		every = atol(argv[6]) > 0 ? atol(argv[6]) : 1;
		for (long i = 0; i < n; i++) {
			long long t = now_ns();

			sink += work_item(i);
			total += now_ns() - t;
		}
		for (long i = 0; i < m; i++)
			sink += other_item(i);
		for (long i = 0; i < g; i++)
			sink += getpid();
		for (int i = 0; i < 10; i++)
			sink += nest(5);
		printf("work_ns %lld\n", total);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "nest")) {
		for (long i = 0; i < atol(argv[3]); i++)
			sink += nest(atoi(argv[2]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "time")) {
		long n = atol(argv[2]);
		struct timespec c0, c1;
		long long w0;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		w0 = now_ns();
		for (long i = 0; i < n; i++)
			sink += tiny(i);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		printf("%.2f %.2f\n", ((c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec)) / n,
		       (double)(now_ns() - w0) / n);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "wait-stdin")) {
		char line[256];

		while (fgets(line, sizeof(line), stdin))
			sink += work_item(1);
		return 0;
	}
	fprintf(stderr, "usage: ufunc-target run N M G SPIN_US EVERY | nest D R | time N | wait-stdin\n");
	return 2;
}

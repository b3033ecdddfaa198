/* stacks.c: the profile and offcpu collectors' known-truth workload (built -O0 -fno-omit-frame-pointer
 * -fno-inline, so every function is a real frame the stack walk sees).
 *   stacks spin MS        burn MS ms of CPU: 75% of it in spin_a, 25% in spin_b (same loop, 3:1 iterations)
 *   stacks sleep N MS     one thread sleeps MS ms in nanosleep, N times, from sleeper() called by main
 *   stacks openat N       N openat calls of a path that does not exist (each fails with ENOENT)
 *   stacks shift MS1 MS2  MS1 ms of CPU split 3:1 between spin_a and spin_b, then MS2 ms split 1:3 (an
 *                         injected change of where the time goes, for differential flame graphs)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* the same work per iteration in both: their CPU shares are their iteration counts' */
__attribute__((noinline)) void spin_a(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

__attribute__((noinline)) void spin_b(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

__attribute__((noinline)) void sleeper(int times, long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	for (int i = 0; i < times; i++)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "spin")) {
		double until = cpu_ms() + atof(argv[2]);

		/* ~1 ms chunks: many samples land in each of both functions */
		while (cpu_ms() < until) {
			spin_a(300000);
			spin_b(100000);
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "shift")) {
		double until = cpu_ms() + atof(argv[2]);

		while (cpu_ms() < until) {
			spin_a(300000);
			spin_b(100000);
		}
		until = cpu_ms() + atof(argv[3]);
		while (cpu_ms() < until) {
			spin_a(100000);
			spin_b(300000);
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "sleep")) {
		sleeper(atoi(argv[2]), atol(argv[3]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "openat")) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++)
			if (openat(AT_FDCWD, "/nonexistent/bpflab-stacks", O_RDONLY) >= 0)
				return 2;
		return 0;
	}
	fprintf(stderr, "usage: stacks spin MS | shift MS1 MS2 | sleep N MS | openat N\n");
	return 1;
}

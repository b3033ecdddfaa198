/* stacks.c: the profile and offcpu collectors' known-truth workload (built -O0 -fno-omit-frame-pointer
 * -fno-inline, so every function is a real frame the stack walk sees).
 *   stacks spin MS        burn MS ms of CPU: 75% of it in spin_a, 25% in spin_b (same loop, 3:1 iterations)
 *   stacks sleep N MS     one thread sleeps MS ms in nanosleep, N times, from sleeper() called by main
 *   stacks openat N       N openat calls of a path that does not exist (each fails with ENOENT)
 *   stacks loops N T [gated]  T threads (spinner), each N rounds of spin_a + spin_b: fixed work, for overhead
 *                         benchmarks; prints "work cpu_ns=C wall_ns=W" when done
 *   stacks naps N US [gated]  N nanosleeps of US µs from napper() called by main (a switch-heavy fixed work);
 *                         prints "work cpu_ns=C wall_ns=W offcpu_ns=W-C" when done
 *   gated: wait for a line on stdin before the work and for EOF after it, so that a tracer attached to the
 *   pid can start before the work and read the process's mappings after it (bench/profile-overhead.ts)
 *   stacks shift MS1 MS2  MS1 ms of CPU split 3:1 between spin_a and spin_b, then MS2 ms split 1:3 (an
 *                         injected change of where the time goes, for differential flame graphs)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
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

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* loops mode: the threads live on until the gate closes, so a tracer can still read each thread's maps */
static pthread_barrier_t work_done, release;

__attribute__((noinline)) void *spinner(void *rounds)
{
	for (long n = *(long *)rounds; n > 0; n--) {
		spin_a(300000);
		spin_b(100000);
	}
	pthread_barrier_wait(&work_done);
	pthread_barrier_wait(&release);
	return NULL;
}

__attribute__((noinline)) void napper(long times, long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L };

	for (long i = 0; i < times; i++)
		nanosleep(&ts, NULL);
}

/* gated mode: the line that starts the work */
static void gate_open(int gated)
{
	char line[16];

	if (gated && !fgets(line, sizeof(line), stdin))
		exit(3);
}

/* gated mode: say what the work cost, then live on until stdin closes */
static void gate_close(int gated, double cpu0, double wall0, int offcpu)
{
	double cpu = cpu_ms() - cpu0, wall = wall_ms() - wall0;

	if (offcpu)
		printf("work cpu_ns=%.0f wall_ns=%.0f offcpu_ns=%.0f\n", cpu * 1e6, wall * 1e6, (wall - cpu) * 1e6);
	else
		printf("work cpu_ns=%.0f wall_ns=%.0f\n", cpu * 1e6, wall * 1e6);
	fflush(stdout);
	while (gated && getchar() != EOF)
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
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "loops")) {
		long rounds = atol(argv[2]);
		int threads = atoi(argv[3]), gated = argc == 5 && !strcmp(argv[4], "gated");
		pthread_t tids[64];
		double cpu0, wall0;

		if (threads < 1 || threads > 64)
			return 1;
		pthread_barrier_init(&work_done, NULL, threads + 1);
		pthread_barrier_init(&release, NULL, threads + 1);
		gate_open(gated);
		cpu0 = cpu_ms();
		wall0 = wall_ms();
		for (int i = 0; i < threads; i++)
			if (pthread_create(&tids[i], NULL, spinner, &rounds))
				return 2;
		pthread_barrier_wait(&work_done);
		gate_close(gated, cpu0, wall0, 0);
		pthread_barrier_wait(&release);
		for (int i = 0; i < threads; i++)
			pthread_join(tids[i], NULL);
		return 0;
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "naps")) {
		int gated = argc == 5 && !strcmp(argv[4], "gated");
		double cpu0, wall0;

		gate_open(gated);
		cpu0 = cpu_ms();
		wall0 = wall_ms();
		napper(atol(argv[2]), atol(argv[3]));
		gate_close(gated, cpu0, wall0, 1);
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
	fprintf(stderr, "usage: stacks spin MS | loops N THREADS [gated] | naps N US [gated] | shift MS1 MS2 | sleep N MS | openat N\n");
	return 1;
}

/* inject.c: the anomalies, each run either as a new process (the binary under the anomaly's own name) or
 * by the control thread of a running baseline process. Each reports "start NS" when its behaviour begins,
 * "end NS" when it stops, and "stat KEY VALUE" lines with exactly what it did. */
#include "scn.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NS 1000000000.0
#define SLICE_NS 10000000ull /* paced anomalies do their share of work per 10 ms slice */

static void report_start(void)
{
	say("start %llu", (unsigned long long)mono_ns());
}

static void report_end(void)
{
	say("end %llu", (unsigned long long)mono_ns());
}

static uint64_t deadline_of(const struct scn_args *a)
{
	return mono_ns() + (uint64_t)(arg_num(a, "seconds", 5) * NS);
}

/* Pins the calling thread (cpu >= 0) or lets it run anywhere again (cpu < 0). */
static void pin_thread(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

struct spin {
	int cpu, nice;
	uint64_t end;
};

/* Spins until sp->end; pinned to sp->cpu (>= 0) and at sp->nice, both per thread (Linux keeps nice per
 * thread), both undone before returning, so a control thread leaves its process as it found it. */
static void *spin(void *arg)
{
	const struct spin *sp = arg;
	volatile uint64_t x = 0;
	int was = getpriority(PRIO_PROCESS, 0);

	if (sp->cpu >= 0)
		pin_thread(sp->cpu);
	if (sp->nice)
		setpriority(PRIO_PROCESS, 0, sp->nice);
	while (mono_ns() < sp->end)
		for (int i = 0; i < 100000; i++)
			x = x * 2862933555777941757ull + 3037000493ull;
	if (sp->nice)
		setpriority(PRIO_PROCESS, 0, was);
	if (sp->cpu >= 0)
		pin_thread(-1);
	return NULL;
}

#define HOG_MAX_THREADS 16

/* cpu-hog seconds= [threads=1] [cpu=] [nice=0]: `threads` threads spin (no system calls: the clock is read
 * through the vDSO); pinned to `cpu` they are the noisy neighbours of whatever else runs there. */
static int cpu_hog(const struct scn_args *a)
{
	pthread_t extra[HOG_MAX_THREADS];
	int threads = (int)arg_num(a, "threads", 1), started = 0;
	struct spin sp = { (int)arg_num(a, "cpu", -1), (int)arg_num(a, "nice", 0), 0 };

	if (threads < 1 || threads > HOG_MAX_THREADS)
		threads = 1;
	sp.end = deadline_of(a);
	report_start();
	for (int i = 1; i < threads; i++)
		started += pthread_create(&extra[started], NULL, spin, &sp) == 0;
	spin(&sp);
	for (int i = 0; i < started; i++)
		pthread_join(extra[i], NULL);
	report_end();
	say("stat threads %d", started + 1);
	return 0;
}

#define LEAK_MAX_CHUNKS 4096

/* mem-leak seconds= mb_per_s=: maps and touches memory at a steady rate (resident set grows page by page),
 * gives nothing back until the end, then unmaps it all (so the process returns to its normal size). */
static int mem_leak(const struct scn_args *a)
{
	static void *chunks[LEAK_MAX_CHUNKS];
	static size_t sizes[LEAK_MAX_CHUNKS];
	double rate = arg_num(a, "mb_per_s", 32);
	long page = sysconf(_SC_PAGESIZE);
	size_t chunk = (size_t)(rate * (1 << 20) * (SLICE_NS * 5 / NS)) / (size_t)page * (size_t)page;
	uint64_t end = deadline_of(a), next = mono_ns(), bytes = 0;
	int n = 0;

	report_start();
	while (mono_ns() < end && n < LEAK_MAX_CHUNKS) {
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		madvise(p, chunk, MADV_NOHUGEPAGE); /* one fault per base page: a steady climb, not 2 MiB steps */
		for (size_t o = 0; o < chunk; o += (size_t)page)
			p[o] = 1;
		chunks[n] = p;
		sizes[n++] = chunk;
		bytes += chunk;
		next += SLICE_NS * 5;
		sleep_until_ns(next);
	}
	report_end();
	say("stat bytes %llu", (unsigned long long)bytes);
	for (int i = 0; i < n; i++)
		munmap(chunks[i], sizes[i]);
	return 0;
}

/* fork-storm seconds= forks= [exec=0|1]: `forks` short-lived children spread evenly over the time; each exits
 * at once (or execs /bin/true); all are reaped. */
static int fork_storm(const struct scn_args *a)
{
	long forks = (long)arg_num(a, "forks", 200), made = 0;
	int exec_true = (int)arg_num(a, "exec", 0);
	uint64_t t0 = mono_ns(), span = (uint64_t)(arg_num(a, "seconds", 5) * NS);

	report_start();
	for (long i = 0; i < forks; i++) {
		pid_t p;

		sleep_until_ns(t0 + span * (uint64_t)i / (uint64_t)forks);
		p = fork();
		if (p == 0) {
			if (exec_true)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		if (p > 0)
			made++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	while (made > 0 && waitpid(-1, NULL, 0) > 0)
		;
	report_end();
	say("stat forks %ld", made);
	return 0;
}

/* syscall-storm seconds= calls= syscall=getppid|faccessat|kill: exactly `calls` of one system call, paced
 * evenly: a process polling in a tight loop. faccessat asks for a file that is not there and kill probes a pid
 * that cannot exist, so those two fail every time (ENOENT, ESRCH), as such polling loops do. */
static int syscall_storm(const struct scn_args *a)
{
	const char *which = arg_str(a, "syscall", "getppid");
	long calls = (long)arg_num(a, "calls", 100000), done = 0, errors = 0;
	uint64_t t0 = mono_ns(), span = (uint64_t)(arg_num(a, "seconds", 5) * NS);
	long slices = (long)(span / SLICE_NS);
	int kind = !strcmp(which, "faccessat") ? 1 : !strcmp(which, "kill") ? 2 : 0;

	if (slices < 1)
		slices = 1;
	report_start();
	for (long s = 1; s <= slices; s++) {
		long upto = calls * s / slices;

		for (; done < upto; done++) {
			long r = kind == 1 ? syscall(SYS_faccessat, AT_FDCWD, "/nonexistent/bpflab-ready", F_OK)
			       : kind == 2 ? syscall(SYS_kill, 0x3ffffff0, 0)
					   : syscall(SYS_getppid);

			errors += r < 0;
		}
		sleep_until_ns(t0 + span * (uint64_t)s / (uint64_t)slices);
	}
	report_end();
	say("stat syscall %s", kind == 1 ? "faccessat" : kind == 2 ? "kill" : "getppid");
	say("stat calls %ld", done);
	say("stat errors %ld", errors);
	return 0;
}

/* fsync-writer dir= seconds= block_kb= file_mb= seed=: random writes into a file, each made durable with
 * fsync before the next: the disk's flush latency becomes the writer's (and its neighbours') stall. */
static int fsync_writer(const struct scn_args *a)
{
	static char block[1 << 20];
	struct scn_rng r;
	const char *dir = arg_str(a, "dir", ".");
	size_t bs = (size_t)arg_num(a, "block_kb", 16) << 10;
	uint64_t blocks = ((uint64_t)arg_num(a, "file_mb", 64) << 20) / bs, end, writes = 0;
	int fd = open_in(dir, "fsync-writer.dat", O_WRONLY | O_CREAT | O_TRUNC);
	char path[512];

	if (fd < 0 || bs > sizeof(block) || blocks == 0)
		die("fsync-writer setup");
	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	memset(block, 0x5a, sizeof(block));
	end = deadline_of(a);
	report_start();
	while (mono_ns() < end) {
		if (pwrite(fd, block, bs, (off_t)((rng_u64(&r) % blocks) * bs)) != (ssize_t)bs)
			die("pwrite");
		fsync(fd);
		writes++;
	}
	report_end();
	say("stat fsyncs %llu", (unsigned long long)writes);
	say("stat bytes %llu", (unsigned long long)(writes * bs));
	close(fd);
	snprintf(path, sizeof(path), "%s/fsync-writer.dat", dir);
	unlink(path);
	return 0;
}

/* net-burst port= seconds= mb_per_s= [framed=0|1]: a bulk transfer over loopback TCP at a paced rate, raw to a
 * net-sink or (framed=1) as large requests to the api-server, waiting for each small reply. */
static int net_burst(const struct scn_args *a)
{
	static char buf[1 << 20];
	int framed = (int)arg_num(a, "framed", 0), s = connect_loopback((int)arg_num(a, "port", 0));
	double rate = arg_num(a, "mb_per_s", 100);
	uint64_t per_slice = (uint64_t)(rate * (1 << 20) * (SLICE_NS / NS)), end, next, sent = 0;

	if (s < 0)
		die("connect for net-burst");
	end = deadline_of(a);
	next = mono_ns();
	report_start();
	while (mono_ns() < end) {
		for (uint64_t left = per_slice; left > 0;) {
			size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);

			if (framed) {
				uint32_t hdr[2] = { (uint32_t)n, 16 };
				char reply[16];

				if (write_all(s, hdr, sizeof(hdr)) || write_all(s, buf, n) || read_all(s, reply, sizeof(reply)))
					die("framed request");
				sent += sizeof(hdr);
			} else if (write_all(s, buf, n)) {
				die("send");
			}
			sent += n;
			left -= n;
		}
		next += SLICE_NS;
		sleep_until_ns(next);
	}
	report_end();
	say("stat bytes %llu", (unsigned long long)sent);
	close(s);
	return 0;
}

/* lock-hold lock= seconds=: takes the queue's file lock and sits on it (a backup or a migration holding the
 * lock far longer than any job does): every other taker blocks. */
static int lock_hold(const struct scn_args *a)
{
	const char *path = arg_str(a, "lock", "queue.lock");
	double seconds = arg_num(a, "seconds", 5);
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		die("open %s", path);
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	report_start();
	sleep_ns((uint64_t)(seconds * NS));
	report_end();
	flock(fd, LOCK_UN);
	close(fd);
	return 0;
}

int redis_sleep(const struct scn_args *a);
int redis_keys(const struct scn_args *a);
int redis_fill(const struct scn_args *a);
int redis_aof(const struct scn_args *a);

static const struct {
	const char *name;
	anomaly_fn fn;
} anomalies[] = {
	{ "cpu-hog", cpu_hog },	    { "mem-leak", mem_leak },	{ "fork-storm", fork_storm },
	{ "syscall-storm", syscall_storm }, { "fsync-writer", fsync_writer }, { "net-burst", net_burst },
	{ "lock-hold", lock_hold }, { "redis-sleep", redis_sleep }, { "redis-keys", redis_keys },
	{ "redis-fill", redis_fill }, { "redis-aof", redis_aof },
};

anomaly_fn find_anomaly(const char *name)
{
	for (size_t i = 0; i < sizeof(anomalies) / sizeof(anomalies[0]); i++)
		if (!strcmp(name, anomalies[i].name))
			return anomalies[i].fn;
	for (const struct anomaly_entry *e = CONTEND_ANOMALIES; e->name; e++)
		if (!strcmp(name, e->name))
			return e->fn;
	return NULL;
}

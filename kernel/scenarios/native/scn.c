/* scn.c: the multi-call binary's entry (its name, the process's comm, picks the role) and the shared parts
 * declared in scn.h: clock, generator, arguments, reports, and the control thread of baseline roles. */
#include "scn.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void sleep_until_ns(uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000000ull), (long)(deadline % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static volatile uint64_t work_sink;

static void work_iters(uint64_t n)
{
	uint64_t x = work_sink;

	for (uint64_t i = 0; i < n; i++)
		x = x * 6364136223846793005ull + i;
	work_sink = x;
}

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void work_ms(double ms)
{
	static double per_ms;

	if (per_ms == 0) {
		/* calibrated on this thread's own CPU time, so a busy machine at start does not shrink the work */
		uint64_t n = 0;
		double t0 = thread_cpu_ns();

		while (thread_cpu_ns() - t0 < 5e6) {
			work_iters(10000);
			n += 10000;
		}
		per_ms = n / ((thread_cpu_ns() - t0) / 1e6);
	}
	work_iters((uint64_t)(ms * per_ms));
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct scn_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(struct scn_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double rng_unit(struct scn_rng *r)
{
	return (rng_u64(r) >> 11) * 0x1.0p-53;
}

double rng_range(struct scn_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

double rng_exp(struct scn_rng *r, double mean)
{
	double u = rng_unit(r);

	return -mean * log1p(-u);
}

void args_parse(struct scn_args *a, int argc, char **argv)
{
	a->n = 0;
	for (int i = 0; i < argc && a->n < SCN_MAX_ARGS; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq)
			continue;
		*eq = 0;
		a->key[a->n] = argv[i];
		a->val[a->n++] = eq + 1;
	}
}

const char *arg_str(const struct scn_args *a, const char *key, const char *def)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->key[i], key))
			return a->val[i];
	return def;
}

double arg_num(const struct scn_args *a, const char *key, double def)
{
	const char *v = arg_str(a, key, NULL);

	return v ? atof(v) : def;
}

/* In the control thread while an anomaly runs, reports wait here and go out together at its end: a write at
 * the anomaly's start would be a (tiny) trace of the label in the process's own system calls. */
static __thread char *held;
static __thread size_t held_len, held_cap;
static __thread int holding;

void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (holding) {
		if (held_len + (size_t)n > held_cap) {
			size_t cap = held_cap ? held_cap * 2 : 4096;
			char *p = realloc(held, cap + (size_t)n);

			if (!p)
				return;
			held = p;
			held_cap = cap + (size_t)n;
		}
		memcpy(held + held_len, line, (size_t)n);
		held_len += (size_t)n;
		return;
	}
	fwrite(line, 1, (size_t)n, stdout);
	fflush(stdout);
}

static void release_held(void)
{
	holding = 0;
	if (held_len)
		fwrite(held, 1, held_len, stdout);
	fflush(stdout);
	held_len = 0;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("error ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(errno));
	fflush(stdout);
	exit(1);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A file in the scenario's private directory; never through a symlink. */
int open_in(const char *dir, const char *name, int flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int listen_loopback(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		die("listen on 127.0.0.1");
	say("port %d", ntohs(sa.sin_port));
	return l;
}

int connect_loopback(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

void scn_init(void)
{
	/* The runner kills what it starts; this covers the runner itself being killed (SIGKILL, a crash). No
	 * getppid() check after it: that would add one call to a getppid storm's exact count. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A process group of its own (its children join it), so the runner ends it and them with one kill; the
	 * same session as the runner, so the terminal's Ctrl-C reaches only bpflab, and one scheduler autogroup
	 * for all of a scenario's processes (setsid would give each its own, and a noisy neighbour in another
	 * autogroup cannot take more than its group's share: it would barely disturb anyone). */
	setpgid(0, 0);
	signal(SIGPIPE, SIG_IGN);
}

/* Looks at the control file four times a second and runs each new line "NAME key=value ... [at=NS]" in this
 * thread, at CLOCK_MONOTONIC NS when given: a thread of this process, so the anomaly is charged to the running
 * process's pid, as when a real service misbehaves. The command arrives early (during the warm-up) and waits
 * for its time, and the polling is the same in every window, so nothing but the anomaly marks its start. */
static void *control_loop(void *arg)
{
	const char *path = arg;
	char pending[2048];
	size_t have = 0;
	off_t off = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		say("error cannot open control file %s", path);
		return NULL;
	}
	for (;;) {
		struct stat st;
		char *nl;
		ssize_t n;

		sleep_ns(250000000ull);
		if (fstat(fd, &st) || st.st_size <= off)
			continue;
		n = pread(fd, pending + have, sizeof(pending) - 1 - have, off);
		if (n <= 0)
			continue;
		off += n;
		have += (size_t)n;
		pending[have] = 0;
		while ((nl = strchr(pending, '\n'))) {
			char *argv[SCN_MAX_ARGS + 1], *save = NULL, *tok;
			int argc = 0;
			struct scn_args a;
			anomaly_fn fn;

			*nl = 0;
			for (tok = strtok_r(pending, " ", &save); tok && argc < SCN_MAX_ARGS; tok = strtok_r(NULL, " ", &save))
				argv[argc++] = tok;
			if (argc > 0 && !(fn = find_anomaly(argv[0]))) {
				say("error unknown anomaly %s", argv[0]);
			} else if (argc > 0) {
				args_parse(&a, argc - 1, argv + 1);
				if (arg_num(&a, "at", 0) > 0)
					sleep_until_ns((uint64_t)arg_num(&a, "at", 0));
				holding = 1;
				if (fn(&a))
					say("error anomaly %s failed", argv[0]);
				say("done");
				release_held();
			}
			have -= (size_t)(nl + 1 - pending);
			memmove(pending, nl + 1, have + 1);
		}
	}
	return NULL;
}

void start_control_thread(const struct scn_args *a)
{
	static char path[512];
	pthread_t t;

	snprintf(path, sizeof(path), "%s", arg_str(a, "ctl", ""));
	if (!path[0])
		return; /* no control file: nothing can be injected into this process */
	if (pthread_create(&t, NULL, control_loop, path))
		die("pthread_create");
	pthread_detach(t);
}

static const struct {
	const char *name;
	int (*main)(const struct scn_args *a);
} roles[] = {
	{ "batch-job", role_batch_job },	   { "api-server", role_api_server },
	{ "api-client", role_api_client },	   { "app-logger", role_app_logger },
	{ "metrics-agent", role_metrics_agent },   { "idle-daemon", role_idle_daemon },
	{ "housekeeper", role_idle_daemon }, { "queue-worker", role_queue_worker },
	{ "pinned-worker", role_pinned_worker },   { "net-sink", role_net_sink },
	{ "redis-client", role_redis_client },
};

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct scn_args a;

	scn_init();
	if (!strcmp(name, "exec-guard")) {
		/* exec-guard PROGRAM ARGS...: a program that is not ours (redis-server) under the same death signal,
		 * which execve keeps. */
		if (argc < 2)
			return 2;
		execv(argv[1], argv + 1);
		die("exec %s", argv[1]);
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (!strcmp(name, roles[i].name)) {
			args_parse(&a, argc - 1, argv + 1);
			return roles[i].main(&a);
		}
	}
	/* Any other name (cpu-hog, mem-leak, ...): a new process that runs the anomaly named by argv[1]. */
	if (argc >= 2 && find_anomaly(argv[1])) {
		args_parse(&a, argc - 2, argv + 2);
		return find_anomaly(argv[1])(&a);
	}
	fprintf(stderr, "%s: unknown role; usage: ROLE key=value... or NAME ANOMALY key=value...\n", name);
	return 2;
}

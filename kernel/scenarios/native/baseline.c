/* baseline.c: the normal load of every scenario: a periodic batch job, a request/response server on loopback
 * and its client, a logger writing files, a metrics agent, idle daemons, a queue worker taking a file lock and
 * a latency-sensitive worker pinned to one CPU. Each draws its timing from its seed= argument. */
#include "scn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define NS 1000000000.0

static char zeros[65536];

int role_batch_job(const struct scn_args *a)
{
	struct scn_rng r;
	const char *dir = arg_str(a, "dir", ".");
	double period = arg_num(a, "period_s", 6), burn = arg_num(a, "work_ms", 250), out_kb = arg_num(a, "out_kb", 1024);

	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	start_control_thread(a);
	say("ready");
	sleep_ns((uint64_t)(rng_range(&r, 0.1, 1.0) * period * NS)); /* not in step with the capture's start */
	for (unsigned n = 0;; n++) {
		char name[32];
		long left = (long)(out_kb * 1024 * rng_range(&r, 0.5, 1.5));
		int fd;

		work_ms(burn * rng_range(&r, 0.7, 1.3));
		snprintf(name, sizeof(name), "batch-%u.out", n % 2);
		fd = open_in(dir, name, O_WRONLY | O_CREAT | O_TRUNC);
		if (fd < 0)
			die("open %s", name);
		for (; left > 0; left -= sizeof(zeros))
			if (write_all(fd, zeros, left < (long)sizeof(zeros) ? (size_t)left : sizeof(zeros)))
				die("write %s", name);
		close(fd);
		sleep_ns((uint64_t)(period * rng_range(&r, 0.8, 1.2) * NS));
	}
}

/* api-server protocol: a request is a header { u32 request bytes, u32 response bytes } and the request body;
 * the reply is the response bytes. Work grows with the request size. */
#define API_MAX_CONNS 32

int role_api_server(const struct scn_args *a)
{
	struct pollfd fds[API_MAX_CONNS + 1];
	static char buf[65536];
	double work_us = arg_num(a, "work_us", 300);
	int n = 1;

	fds[0].fd = listen_loopback();
	fds[0].events = POLLIN;
	start_control_thread(a);
	say("ready");
	for (;;) {
		if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR)
			die("poll");
		if ((fds[0].revents & POLLIN) && n <= API_MAX_CONNS) {
			int c = accept4(fds[0].fd, NULL, NULL, SOCK_CLOEXEC), one = 1;

			if (c >= 0) {
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				fds[n].fd = c;
				fds[n++].events = POLLIN;
			}
		}
		for (int i = 1; i < n; i++) {
			uint32_t hdr[2];
			uint64_t left;

			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (read_all(fds[i].fd, hdr, sizeof(hdr))) {
				close(fds[i].fd);
				fds[i--] = fds[--n];
				continue;
			}
			for (left = hdr[0]; left > 0;) {
				size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);

				if (read_all(fds[i].fd, buf, want))
					break;
				left -= want;
			}
			work_ms(work_us / 1000.0 * (1.0 + hdr[0] / 65536.0));
			for (left = hdr[1]; left > 0;) {
				size_t want = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

				if (write_all(fds[i].fd, zeros, want))
					break;
				left -= want;
			}
		}
	}
}

/* Log-uniform draw: request and response sizes spread over orders of magnitude, as real traffic does. */
static double log_uniform(struct scn_rng *r, double lo, double hi)
{
	return exp(rng_range(r, log(lo), log(hi)));
}

int role_api_client(const struct scn_args *a)
{
	struct scn_rng r;
	int port = (int)arg_num(a, "port", 0), nconn = (int)arg_num(a, "conns", 2), s[8];
	double rate = arg_num(a, "rate", 60), wave_s, phase;
	static char buf[65536];
	uint64_t next, t0;

	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	wave_s = rng_range(&r, 20, 60);
	phase = rng_range(&r, 0, 2 * M_PI);
	if (nconn < 1 || nconn > 8)
		nconn = 2;
	for (int i = 0; i < nconn; i++)
		if ((s[i] = connect_loopback(port)) < 0)
			die("connect to api-server port %d", port);
	start_control_thread(a);
	say("ready");
	t0 = next = mono_ns();
	for (unsigned k = 0;; k++) {
		/* a slow swell of the request rate, like a day's traffic compressed */
		double t = (mono_ns() - t0) / NS, now_rate = rate * (1 + 0.3 * sin(2 * M_PI * t / wave_s + phase));
		uint32_t hdr[2] = { (uint32_t)log_uniform(&r, 200, 4000), (uint32_t)log_uniform(&r, 500, 32000) };
		int c = s[k % (unsigned)nconn];

		next += (uint64_t)(rng_exp(&r, 1.0 / now_rate) * NS);
		sleep_until_ns(next);
		if (write_all(c, hdr, sizeof(hdr)) || write_all(c, zeros, hdr[0]))
			die("send request");
		for (uint32_t left = hdr[1]; left > 0;) {
			ssize_t got = read(c, buf, left < sizeof(buf) ? left : sizeof(buf));

			if (got <= 0)
				die("read response");
			left -= (uint32_t)got;
		}
		if (mono_ns() > next + 1000000000ull)
			next = mono_ns(); /* fell behind (the server stalled): don't fire a backlog at once */
	}
}

int role_app_logger(const struct scn_args *a)
{
	struct scn_rng r;
	const char *dir = arg_str(a, "dir", ".");
	double rate = arg_num(a, "rate", 50), fsync_s = arg_num(a, "fsync_s", 3);
	uint64_t next = mono_ns(), next_sync = next + (uint64_t)(fsync_s * NS);
	long size = 0;
	int fd = open_in(dir, "app.log", O_WRONLY | O_CREAT | O_APPEND);

	if (fd < 0)
		die("open app.log");
	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	start_control_thread(a);
	say("ready");
	for (unsigned seq = 0;; seq++) {
		char line[512];
		/* now and then a burst (a stack trace, a request dump) instead of one line */
		int lines = rng_unit(&r) < 0.02 ? 10 + (int)rng_range(&r, 0, 30) : 1;

		next += (uint64_t)(rng_exp(&r, 1.0 / rate) * NS);
		sleep_until_ns(next);
		for (int i = 0; i < lines; i++) {
			int len = snprintf(line, sizeof(line), "%llu INFO seq=%u worker=%d msg=%.*s\n",
					   (unsigned long long)mono_ns(), seq, (int)rng_range(&r, 0, 8),
					   (int)rng_range(&r, 40, 200),
					   "request handled ok; upstream latency within budget; cache hit ratio nominal; "
					   "queue depth normal; no retries; connection pool healthy; gc pause short; "
					   "config unchanged; session refreshed; all checks passed");

			if (write_all(fd, line, (size_t)len))
				die("write app.log");
			size += len;
		}
		if (mono_ns() >= next_sync) {
			fsync(fd);
			next_sync = mono_ns() + (uint64_t)(fsync_s * rng_range(&r, 0.8, 1.2) * NS);
		}
		if (size > (2 << 20)) {
			char from[512], to[512];

			snprintf(from, sizeof(from), "%s/app.log", dir);
			snprintf(to, sizeof(to), "%s/app.log.1", dir);
			close(fd);
			if (rename(from, to))
				die("rotate app.log");
			fd = open_in(dir, "app.log", O_WRONLY | O_CREAT | O_APPEND);
			if (fd < 0)
				die("reopen app.log");
			size = 0;
		}
		if (mono_ns() > next + 1000000000ull)
			next = mono_ns();
	}
}

static void read_proc(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

int role_metrics_agent(const struct scn_args *a)
{
	struct scn_rng r;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	double period = arg_num(a, "period_s", 1);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t next;

	/* pushes a metrics datagram each period to its own loopback collector socket, like a statsd client */
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&sa, sizeof(sa)) || getsockname(rx, (struct sockaddr *)&sa, &len))
		die("metrics socket");
	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	start_control_thread(a);
	say("ready");
	next = mono_ns() + (uint64_t)(rng_range(&r, 0, period) * NS);
	for (;;) {
		char msg[600], got[600];
		int n;

		sleep_until_ns(next);
		next += (uint64_t)(period * rng_range(&r, 0.95, 1.05) * NS);
		read_proc("/proc/loadavg");
		read_proc("/proc/meminfo");
		read_proc("/proc/stat");
		read_proc("/proc/self/status");
		n = snprintf(msg, sizeof(msg), "host.load:%.2f|g\nhost.mem:%llu|g\nagent.tick:1|c\n%.*s",
			     rng_range(&r, 0, 2), (unsigned long long)rng_u64(&r) % 100000, (int)rng_range(&r, 50, 400),
			     zeros);
		sendto(tx, msg, (size_t)n, 0, (struct sockaddr *)&sa, sizeof(sa));
		while (recv(rx, got, sizeof(got), 0) > 0)
			;
	}
}

int role_idle_daemon(const struct scn_args *a)
{
	struct scn_rng r;
	double period = arg_num(a, "period_s", 10);
	struct stat st;

	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	say("ready");
	for (;;) {
		sleep_ns((uint64_t)(period * rng_range(&r, 0.8, 1.2) * NS));
		stat("/etc/hostname", &st);
		read_proc("/proc/uptime");
	}
}

int role_queue_worker(const struct scn_args *a)
{
	struct scn_rng r;
	const char *dir = arg_str(a, "dir", ".");
	double period_ms = arg_num(a, "period_ms", 200), job_ms = arg_num(a, "job_ms", 10);
	int lock = open_in(dir, "queue.lock", O_RDWR | O_CREAT), state = open_in(dir, "queue.state", O_WRONLY | O_CREAT | O_APPEND);

	if (lock < 0 || state < 0)
		die("open queue files");
	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	say("ready");
	for (unsigned job = 0;; job++) {
		char rec[128];
		uint64_t t0, t1;
		int len;

		sleep_ns((uint64_t)(rng_exp(&r, period_ms) * 1e6));
		/* each job runs under the queue's lock; whoever else holds it stalls the worker (the silence case) */
		t0 = mono_ns();
		while (flock(lock, LOCK_EX) && errno == EINTR)
			;
		t1 = mono_ns();
		if (t1 - t0 > 20000000ull)
			say("wait %llu %llu", (unsigned long long)t0, (unsigned long long)t1);
		work_ms(job_ms * rng_range(&r, 0.5, 1.5));
		len = snprintf(rec, sizeof(rec), "job %u done at %llu\n", job, (unsigned long long)t1);
		write_all(state, rec, (size_t)len);
		flock(lock, LOCK_UN);
	}
}

int role_pinned_worker(const struct scn_args *a)
{
	struct scn_rng r;
	cpu_set_t set;
	int cpu = (int)arg_num(a, "cpu", 0);
	double period_ms = arg_num(a, "period_ms", 10), burn = arg_num(a, "work_ms", 1.5);
	uint64_t next;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("pin to CPU %d", cpu);
	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	say("ready");
	/* a latency-sensitive loop (audio, a market-data handler): wake on a fixed period, do a little work */
	next = mono_ns();
	for (;;) {
		next += (uint64_t)(period_ms * 1e6);
		sleep_until_ns(next);
		work_ms(burn * rng_range(&r, 0.8, 1.2));
		if (mono_ns() > next + (uint64_t)(period_ms * 1e6))
			next = mono_ns(); /* overran: skip the missed periods */
	}
}

int role_net_sink(const struct scn_args *a)
{
	static char buf[65536];
	uint64_t bytes = 0;
	ssize_t n;
	int l = listen_loopback(), c;

	(void)a;
	say("ready");
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		die("accept");
	close(l);
	while ((n = read(c, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0 && bytes == 0)
			say("start %llu", (unsigned long long)mono_ns());
		if (n > 0)
			bytes += (uint64_t)n;
	}
	say("end %llu", (unsigned long long)mono_ns());
	say("stat bytes %llu", (unsigned long long)bytes);
	return 0;
}

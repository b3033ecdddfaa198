/* redis.c: a small RESP client over redis-server's private unix socket: the baseline client (GET/SET at a
 * swelling rate) and the Redis anomalies (DEBUG SLEEP, a KEYS storm, memory growth, AOF fsync stall). */
#include "scn.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#define NS 1000000000.0

struct resp {
	int fd;
	size_t len, pos;
	char buf[65536];
};

static int resp_connect(struct resp *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	c->len = c->pos = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return 0;
}

/* Sends one command as a RESP array of bulk strings in one write, as real clients (hiredis, redis-cli) do; `lens`
 * may be NULL for C strings. Writing each header and argument on its own (7 writes a GET, 10 a SET) woke
 * redis-server for every piece: at the crest of the client's rate wave the two then spun on the socket's
 * spinlock (CPU 5x, lock waits 100x for a third more requests), an event of the load generator, not of Redis. */
static int resp_send(struct resp *c, int argc, const char **argv, const size_t *lens)
{
	char heads[8][32];
	struct iovec iov[1 + 3 * 7];
	int n = 0;

	if (argc > 7)
		return -1;
	iov[n++] = (struct iovec){ heads[7], (size_t)snprintf(heads[7], sizeof(heads[7]), "*%d\r\n", argc) };
	for (int i = 0; i < argc; i++) {
		size_t len = lens ? lens[i] : strlen(argv[i]);

		iov[n++] = (struct iovec){ heads[i], (size_t)snprintf(heads[i], sizeof(heads[i]), "$%zu\r\n", len) };
		iov[n++] = (struct iovec){ (void *)argv[i], len };
		iov[n++] = (struct iovec){ "\r\n", 2 };
	}
	/* a large value may go out in parts: carry on where the kernel stopped */
	for (struct iovec *v = iov; n > 0;) {
		ssize_t w = writev(c->fd, v, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int fill(struct resp *c)
{
	ssize_t n;

	if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	if (c->len == sizeof(c->buf))
		return -1;
	do
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

/* The next "\r\n"-terminated line, without it. */
static char *read_line(struct resp *c)
{
	for (;;) {
		char *nl = memmem(c->buf + c->pos, c->len - c->pos, "\r\n", 2);

		if (nl) {
			char *line = c->buf + c->pos;

			*nl = 0;
			c->pos = (size_t)(nl - c->buf) + 2;
			return line;
		}
		if (fill(c))
			return NULL;
	}
}

static int skip_bytes(struct resp *c, size_t n)
{
	while (n > 0) {
		size_t have = c->len - c->pos, take = have < n ? have : n;

		c->pos += take;
		n -= take;
		if (n > 0 && fill(c))
			return -1;
	}
	return 0;
}

/* Reads one reply and throws its content away; counts the elements of an array in `*elements`. 0 ok, 1 an
 * error reply, -1 a broken connection. */
static int resp_reply(struct resp *c, long long *elements)
{
	char *line = read_line(c);
	long long n;

	if (!line)
		return -1;
	switch (line[0]) {
	case '+':
	case ':':
		return 0;
	case '-':
		return 1;
	case '$':
		n = atoll(line + 1);
		return n < 0 ? 0 : skip_bytes(c, (size_t)n + 2);
	case '*':
		n = atoll(line + 1);
		if (elements)
			*elements += n > 0 ? n : 0;
		for (long long i = 0; i < n; i++)
			if (resp_reply(c, NULL) < 0)
				return -1;
		return 0;
	default:
		return -1;
	}
}

static int resp_call(struct resp *c, int argc, const char **argv, const size_t *lens, long long *elements)
{
	if (resp_send(c, argc, argv, lens))
		return -1;
	return resp_reply(c, elements);
}

static int connect_or_die(struct resp *c, const struct scn_args *a)
{
	const char *sock = arg_str(a, "sock", "redis.sock");

	if (resp_connect(c, sock))
		die("connect to redis at %s", sock);
	return 0;
}

int role_redis_client(const struct scn_args *a)
{
	static struct resp c;
	static char value[65536];
	struct scn_rng r;
	double rate = arg_num(a, "rate", 200), reads = arg_num(a, "reads", 0.8), wave_s, phase;
	long keys = (long)arg_num(a, "keys", 100000);
	size_t vlen = (size_t)arg_num(a, "value_bytes", 100);
	uint64_t t0, next;

	if (vlen > sizeof(value))
		vlen = sizeof(value);
	memset(value, 'v', sizeof(value));
	rng_seed(&r, (uint64_t)arg_num(a, "seed", 1));
	wave_s = rng_range(&r, 20, 60);
	phase = rng_range(&r, 0, 2 * M_PI);
	connect_or_die(&c, a);
	start_control_thread(a);
	say("ready");
	t0 = next = mono_ns();
	for (;;) {
		char key[32];
		double t = (mono_ns() - t0) / NS, now_rate = rate * (1 + 0.3 * sin(2 * M_PI * t / wave_s + phase));
		/* DEBUG POPULATE named them key:0 ... key:N-1 */
		const char *get[] = { "GET", key }, *set[] = { "SET", key, value };
		size_t set_lens[] = { 3, 0, vlen };

		snprintf(key, sizeof(key), "key:%ld", (long)(rng_unit(&r) * keys));
		set_lens[1] = strlen(key);
		next += (uint64_t)(rng_exp(&r, 1.0 / now_rate) * NS);
		sleep_until_ns(next);
		if (rng_unit(&r) < reads ? resp_call(&c, 2, get, NULL, NULL) : resp_call(&c, 3, set, set_lens, NULL))
			die("redis request");
		if (mono_ns() > next + 1000000000ull)
			next = mono_ns(); /* redis stalled: carry on from now, no backlog burst */
	}
}

static void report(const char *what)
{
	say("%s %llu", what, (unsigned long long)mono_ns());
}

/* redis-sleep sock= seconds=: DEBUG SLEEP: redis-server's one main thread sleeps; every client stalls. */
int redis_sleep(const struct scn_args *a)
{
	static struct resp c;
	char secs[32];
	const char *cmd[] = { "DEBUG", "SLEEP", secs };

	snprintf(secs, sizeof(secs), "%.3f", arg_num(a, "seconds", 3));
	connect_or_die(&c, a);
	report("start");
	if (resp_call(&c, 3, cmd, NULL, NULL))
		die("DEBUG SLEEP");
	report("end");
	close(c.fd);
	return 0;
}

/* redis-keys sock= seconds= interval_ms=: KEYS * over the whole keyspace again and again (an O(n) scan each,
 * on redis-server's main thread), as a careless admin script does. */
int redis_keys(const struct scn_args *a)
{
	static struct resp c;
	const char *cmd[] = { "KEYS", "*" };
	double interval = arg_num(a, "interval_ms", 200);
	uint64_t end;
	long long returned = 0, calls = 0;

	connect_or_die(&c, a);
	end = mono_ns() + (uint64_t)(arg_num(a, "seconds", 5) * NS);
	report("start");
	while (mono_ns() < end) {
		if (resp_call(&c, 2, cmd, NULL, &returned))
			die("KEYS");
		calls++;
		sleep_ns((uint64_t)(interval * 1e6));
	}
	report("end");
	say("stat calls %lld", calls);
	say("stat keys %lld", returned);
	close(c.fd);
	return 0;
}

/* redis-fill sock= seconds= rate= value_kb=: new keys with large values at a steady rate: redis-server's
 * memory grows; at the end the keys are deleted again. */
int redis_fill(const struct scn_args *a)
{
	static struct resp c;
	static char value[1 << 20];
	double rate = arg_num(a, "rate", 100);
	size_t vlen = (size_t)arg_num(a, "value_kb", 32) << 10;
	uint64_t end, next;
	long n = 0;

	if (vlen > sizeof(value))
		vlen = sizeof(value);
	memset(value, 'f', vlen);
	connect_or_die(&c, a);
	end = mono_ns() + (uint64_t)(arg_num(a, "seconds", 5) * NS);
	next = mono_ns();
	report("start");
	while (mono_ns() < end) {
		char key[48];
		const char *cmd[] = { "SET", key, value };
		size_t lens[] = { 3, 0, vlen };

		lens[1] = (size_t)snprintf(key, sizeof(key), "fill:%d:%ld", (int)getpid(), n);
		if (resp_call(&c, 3, cmd, lens, NULL))
			die("SET");
		n++;
		next += (uint64_t)(NS / rate);
		sleep_until_ns(next);
	}
	report("end");
	say("stat keys %ld", n);
	say("stat bytes %llu", (unsigned long long)n * vlen);
	for (long i = 0; i < n; i++) {
		char key[48];
		const char *cmd[] = { "DEL", key };

		snprintf(key, sizeof(key), "fill:%d:%ld", (int)getpid(), i);
		if (resp_call(&c, 2, cmd, NULL, NULL))
			break;
	}
	close(c.fd);
	return 0;
}

/* redis-aof sock= seconds= rate= value_bytes=: CONFIG SET appendfsync always, then a write load: each event
 * loop turn of redis-server ends in an fsync of the AOF on its main thread; everysec again at the end. */
int redis_aof(const struct scn_args *a)
{
	static struct resp c;
	static char value[65536];
	double rate = arg_num(a, "rate", 1000);
	size_t vlen = (size_t)arg_num(a, "value_bytes", 256);
	const char *always[] = { "CONFIG", "SET", "appendfsync", "always" };
	const char *everysec[] = { "CONFIG", "SET", "appendfsync", "everysec" };
	uint64_t end, next;
	long n = 0;

	if (vlen > sizeof(value))
		vlen = sizeof(value);
	memset(value, 'w', vlen);
	connect_or_die(&c, a);
	if (resp_call(&c, 4, always, NULL, NULL))
		die("CONFIG SET appendfsync always");
	end = mono_ns() + (uint64_t)(arg_num(a, "seconds", 5) * NS);
	next = mono_ns();
	report("start");
	while (mono_ns() < end) {
		char key[32];
		const char *cmd[] = { "SET", key, value };
		size_t lens[] = { 3, 0, vlen };

		lens[1] = (size_t)snprintf(key, sizeof(key), "bulk:%ld", n % 10000);
		if (resp_call(&c, 3, cmd, lens, NULL))
			die("SET");
		n++;
		next += (uint64_t)(NS / rate);
		if (next > mono_ns())
			sleep_until_ns(next);
		else
			next = mono_ns(); /* fsync-bound: as fast as redis answers */
	}
	report("end");
	if (resp_call(&c, 4, everysec, NULL, NULL))
		die("CONFIG SET appendfsync everysec");
	say("stat sets %ld", n);
	close(c.fd);
	return 0;
}

/* scn.h: what every scenario process shares: the clock, a seeded generator, key=value arguments, the
 * report lines the runner (kernel/scenarios/scenario-process.ts) reads on stdout, and the roles' entry points.
 *
 * Report protocol, one line each on stdout (a file in the scenario's private directory):
 *   ready                       the process is serving its normal load
 *   port N                      a listening TCP port on 127.0.0.1 (api-server, net-sink)
 *   start NS / end NS           an anomaly's behaviour began / ended (CLOCK_MONOTONIC ns, the clock of
 *                               bpf_ktime_get_ns and of the capture's monoStartNs)
 *   stat KEY VALUE              what the anomaly did (forks made, calls made, bytes sent)
 *   wait NS_FROM NS_TO          queue-worker: it waited this long (> 20 ms) for its lock
 *   done                        an anomaly run by the control thread has finished
 *   error TEXT                  something failed; the process exits 1 after it */
#ifndef SCN_H
#define SCN_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCN_MAX_ARGS 24

struct scn_args {
	int n;
	const char *key[SCN_MAX_ARGS];
	const char *val[SCN_MAX_ARGS];
};

/* xoshiro256** seeded through splitmix64: a role's randomness comes from its seed= argument only. */
struct scn_rng {
	uint64_t s[4];
};

uint64_t mono_ns(void);
void sleep_ns(uint64_t ns);
void sleep_until_ns(uint64_t deadline);
/* Does about `ms` of CPU work (a fixed amount, calibrated once per process on its thread CPU time: it takes
 * longer when the CPU is shared, like real work). Pure computation, no system calls after the calibration. */
void work_ms(double ms);

void rng_seed(struct scn_rng *r, uint64_t seed);
uint64_t rng_u64(struct scn_rng *r);
double rng_unit(struct scn_rng *r);                      /* [0, 1) */
double rng_range(struct scn_rng *r, double lo, double hi); /* [lo, hi) */
double rng_exp(struct scn_rng *r, double mean);          /* exponential, for Poisson arrivals */

void args_parse(struct scn_args *a, int argc, char **argv);
double arg_num(const struct scn_args *a, const char *key, double def);
const char *arg_str(const struct scn_args *a, const char *key, const char *def);

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* I/O: whole buffers (-1 on error or EOF), files in the scenario's private directory (never through a
 * symlink, 0600), loopback TCP (listen_loopback reports "port N"). */
int write_all(int fd, const void *buf, size_t len);
int read_all(int fd, void *buf, size_t len);
int open_in(const char *dir, const char *name, int flags);
int listen_loopback(void);
int connect_loopback(int port);

/* Every role: dies with its parent (the runner), line-buffered reports. */
void scn_init(void);
/* Baseline roles: a thread that runs anomaly commands ("cpu-hog seconds=3 ... at=NS") appended to the file
 * named by the ctl= argument, in this process, so a running process can turn anomalous. */
void start_control_thread(const struct scn_args *a);

/* Anomalies (inject.c, redis.c): run in the calling thread, report start/end/stat, return 0 when done. */
typedef int (*anomaly_fn)(const struct scn_args *a);
anomaly_fn find_anomaly(const char *name);

struct anomaly_entry {
	const char *name;
	anomaly_fn fn;
};
/* contend.c's anomalies (kernel lock contention, OOM kill), NULL-terminated. */
extern const struct anomaly_entry CONTEND_ANOMALIES[];

/* Roles (baseline.c, inject.c, redis.c): main functions of the multi-call binary. */
int role_batch_job(const struct scn_args *a);
int role_api_server(const struct scn_args *a);
int role_api_client(const struct scn_args *a);
int role_app_logger(const struct scn_args *a);
int role_metrics_agent(const struct scn_args *a);
int role_idle_daemon(const struct scn_args *a);
int role_queue_worker(const struct scn_args *a);
int role_pinned_worker(const struct scn_args *a);
int role_net_sink(const struct scn_args *a);
int role_redis_client(const struct scn_args *a);

#endif

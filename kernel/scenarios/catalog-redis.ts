// The Redis scenarios of the catalog: redis-server of the baseline blocked by DEBUG SLEEP, scanning with KEYS,
// growing with large values, and fsyncing its AOF on every write (the cases of the system bpflab descends from).

import { between, fresh, hostText, pick, running, ScenarioDef } from "./scenario-def.js";

export const REDIS_SCENARIOS: readonly ScenarioDef[] = [
  {
    name: "redis-blocked",
    summary: "DEBUG SLEEP: redis-server's main thread stops; its clients stall",
    lengthS: [2, 5],
    hosts: [fresh("redis-admin"), running("redis-client")],
    inject: (_rng, L, host) => ({
      anomaly: "redis-sleep",
      args: { sock: "@sock", seconds: L },
      labels: [
        { who: "redis-server", role: "anomaly", signals: ["sched:oncpu_ns down", "syscalls:epoll_wait count down"] },
        { who: "host", role: "cause", signals: ["syscalls:read max_latency_ns up"] },
        { who: "redis-client", role: "affected", signals: ["net:tx_calls down"] },
      ],
      description: `${hostText(host)} sends DEBUG SLEEP ${L}: redis-server's main thread sleeps ${L} s and serves no one`,
    }),
  },
  {
    name: "redis-keys-storm",
    summary: "KEYS * over the whole keyspace, again and again",
    lengthS: [4, 8],
    hosts: [fresh("redis-admin"), running("redis-client")],
    inject: (rng, L, host, base) => {
      const interval = Math.round(between(rng, 50, 300, 0));
      return {
        anomaly: "redis-keys",
        args: { sock: "@sock", seconds: L, interval_ms: interval },
        labels: [
          {
            who: "redis-server",
            role: "anomaly",
            signals: ["sched:oncpu_ns up", "net:tx_bytes up"],
            magnitude: { stat: "calls", unit: "KEYS calls" },
          },
          { who: "host", role: "cause", signals: ["net:rx_bytes up"] },
        ],
        description: `${hostText(host)} runs KEYS * over ${base.redisKeys} keys every ${interval} ms for ${L} s: O(n) scans on redis-server's main thread`,
      };
    },
  },
  {
    name: "redis-memory-growth",
    summary: "new keys with large values: redis-server's memory grows",
    lengthS: [6, 12],
    hosts: [fresh("cache-warmer"), running("redis-client")],
    inject: (rng, L, host) => {
      const rate = Math.round(between(rng, 50, 200, 0));
      const kb = pick(rng, [16, 32, 64]);
      return {
        anomaly: "redis-fill",
        args: { sock: "@sock", seconds: L, rate, value_kb: kb },
        labels: [
          {
            who: "redis-server",
            role: "anomaly",
            signals: ["memory:rss_anon_bytes up", "net:rx_bytes up"],
            magnitude: { stat: "bytes", unit: "bytes" },
          },
          { who: "host", role: "cause", signals: ["net:tx_bytes up"] },
        ],
        description: `${hostText(host)} SETs ${rate} new keys/s with ${kb} KiB values for ${L} s (~${Math.round((rate * kb * L) / 1024)} MiB), then deletes them`,
      };
    },
  },
  {
    name: "redis-aof-stall",
    summary: "appendfsync always under a write load: an fsync per event loop turn",
    lengthS: [5, 10],
    hosts: [fresh("bulk-loader"), running("redis-client")],
    inject: (rng, L, host) => {
      const rate = Math.round(between(rng, 500, 3000, 0));
      const bytes = Math.round(between(rng, 64, 1024, 0));
      return {
        anomaly: "redis-aof",
        args: { sock: "@sock", seconds: L, rate, value_bytes: bytes },
        labels: [
          {
            who: "redis-server",
            role: "anomaly",
            signals: [
              "syscalls:fdatasync count up",
              "syscalls:fdatasync latency_ns up",
              "syscalls:write count up",
              "disk:write count up",
            ],
            magnitude: { stat: "sets", unit: "SETs" },
          },
          { who: "host", role: "cause", signals: ["net:tx_calls up"] },
        ],
        description: `${hostText(host)} sets appendfsync always and SETs ${bytes}-byte values at up to ${rate}/s for ${L} s: redis-server fsyncs its AOF on the main thread before each reply (everysec again after)`,
      };
    },
  },
];

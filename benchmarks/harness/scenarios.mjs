// The scenario list. Each: the loadgen mode and arguments (full and --quick), the metric read
// from the loadgen's JSON line, and whether higher is better.
const echo = [];
for (const size of [16, 512])
  for (const connections of [100, 1000])
    for (const inflight of [1, 16])
      echo.push({
        name: `echo ${size} B, ${connections} conns, P=${inflight}`,
        id: `echo-${size}-c${connections}-p${inflight}`,
        kind: 'echo',
        mode: 'echo',
        args: { size, connections, inflight },
        metric: 'msgs_per_s',
        unit: 'msg/s',
      });

export const SCENARIOS = [
  ...echo,
  {
    name: 'connect 10 k (handshakes/s)', id: 'connect-10k', kind: 'connect', mode: 'connect',
    args: { count: 10000, concurrency: 64, timeout: 60 }, quickArgs: { count: 1000 },
    metric: 'conns_per_s', unit: 'conn/s',
  },
  {
    name: 'idle 10 k connections (RSS per connection)', id: 'idle-10k', kind: 'idle', mode: 'idle',
    args: { connections: 10000, duration: 3, timeout: 60 }, quickArgs: { connections: 1000, duration: 1 },
    metric: 'rss_per_conn', unit: 'B/conn', lowerIsBetter: true,
  },
  {
    name: 'idle 19 k connections (RSS per connection)', id: 'idle-19k', kind: 'idle', mode: 'idle',
    args: { connections: 19000, duration: 3, timeout: 90 }, fullOnly: true,
    metric: 'rss_per_conn', unit: 'B/conn', lowerIsBetter: true,
  },
  {
    name: 'large 1 MiB echo, 1 conn', id: 'large-1m', kind: 'large', mode: 'large',
    args: { size: 1 << 20 }, metric: 'mb_per_s', unit: 'MB/s',
  },
  {
    name: 'large 16 MiB echo, 1 conn', id: 'large-16m', kind: 'large', mode: 'large',
    args: { size: 16 << 20 }, metric: 'mb_per_s', unit: 'MB/s',
  },
  {
    name: 'deflate echo 4 KiB JSON, 100 conns, P=4', id: 'deflate-4k', kind: 'deflate', mode: 'deflate',
    args: { connections: 100, inflight: 4 }, metric: 'msgs_per_s', unit: 'msg/s',
  },
  {
    name: 'fan-out 1 000 subscribers, 16 B, P=16', id: 'fanout-1000', kind: 'fanout', mode: 'fanout',
    args: { connections: 1000, inflight: 16, size: 16 }, metric: 'deliveries_per_s', unit: 'deliveries/s',
  },
];

// Over TLS (bin/loadgen-tls; TLS 1.3, no resumption: every connect is a full handshake).
SCENARIOS.push(
  {
    name: 'TLS echo 512 B, 100 conns, P=1', id: 'tls-echo-512-c100', kind: 'tls-echo', mode: 'echo', tls: true,
    args: { size: 512, connections: 100, inflight: 1, tls: 1 }, metric: 'msgs_per_s', unit: 'msg/s',
  },
  {
    name: 'TLS connect 2 k (handshakes/s)', id: 'tls-connect-2k', kind: 'tls-connect', mode: 'connect', tls: true,
    args: { count: 2000, concurrency: 64, timeout: 60, tls: 1 }, quickArgs: { count: 500 },
    metric: 'conns_per_s', unit: 'conn/s',
  },
  {
    name: 'TLS idle 5 k connections (RSS per connection)', id: 'tls-idle-5k', kind: 'tls-idle', mode: 'idle', tls: true,
    args: { connections: 5000, duration: 3, timeout: 90, tls: 1 }, quickArgs: { connections: 1000, duration: 1 },
    metric: 'rss_per_conn', unit: 'B/conn', lowerIsBetter: true,
  },
);

/** Timing per run: measured seconds and warm-up. */
export const TIMING = { full: { duration: 4, warmup: 1, rounds: 3 }, quick: { duration: 1, warmup: 0.3, rounds: 1 } };

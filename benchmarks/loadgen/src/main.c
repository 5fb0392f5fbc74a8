/*
 * loadgen: a WebSocket load generator for loopback benchmarks. One process, one thread, one
 * epoll loop; every run is bounded in time and count and prints one JSON line on stdout.
 *
 *   loadgen echo    --port P [--connections 100 --inflight 1 --size 16 --duration 5 --warmup 1]
 *   loadgen large   --port P [--size 1048576]            (echo, 1 connection, every byte checked)
 *   loadgen deflate --port P --deflate-file F             (echo of precompressed messages)
 *   loadgen connect --port P [--count 10000 --concurrency 64]
 *   loadgen idle    --port P [--connections 10000 --duration 5]
 *   loadgen fanout  --port P [--connections 1000 --inflight 16 --size 16 --sub-ports P1,P2,..]
 *                   (--sub-ports: subscriber i on the i-th port round robin, e.g. one per server
 *                   process sharing a broker; the publisher stays on --port)
 *
 * --proto socketio (echo, connect, idle, fanout): speak Socket.IO v5 over Engine.IO v4 on the
 * WebSocket (path /socket.io/?EIO=4&transport=websocket unless --path says otherwise); echo then
 * sends 42["echo","<size characters>"] events and expects them back; fanout is a room broadcast
 * (sub/pub paths: that path with &role=sub / &role=pub unless given).
 * --proto primus (echo, connect, idle): speak Primus 8 with its json parser (path /primus unless
 * --path says otherwise): echo sends "<size characters>" JSON strings and expects them back;
 * "primus::ping::<ms>" heartbeats are answered.
 * --proto socketcluster (echo, connect, idle): speak SocketCluster protocol 2 (path /socketcluster/):
 * a #handshake first, then {"event":"echo","data":"<size characters>"} events; pings answered.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "tls-io.h"
#include "fatal.h"
#include "rng.h"

static void usage(void) {
  fputs("usage: loadgen echo|large|deflate|connect|idle|fanout --port N [options]\n"
        "  --host A (127.x.x.x)  --path /  --sub-path /sub  --pub-path /pub  --sub-ports P1,P2,..\n"
        "  --connections N  --inflight P  --size S  --duration s  --warmup s  --timeout s\n"
        "  --sample K  --count N  --concurrency C  --sources K  --deflate-file F  --tls 0|1\n"
        "  --proto ws|socketio|primus|socketcluster\n",
        stderr);
  exit(2);
}

static double num(const char *s, const char *name, double lo, double hi) {
  char *end;
  double v = strtod(s, &end);
  if (*end || v < lo || v > hi) die("bad %s: %s (%g..%g)", name, s, lo, hi);
  return v;
}

/* "P1,P2,..": up to max ports, each 1..65535. */
static int port_list(const char *s, int *out, int max) {
  int n = 0;
  while (*s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || v < 1 || v > 65535 || (*end && *end != ',') || n == max) die("bad --sub-ports: %s", s);
    out[n++] = (int)v;
    s = *end ? end + 1 : end;
  }
  if (n == 0) die("bad --sub-ports: empty");
  return n;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  lg_opts_t o = {.mode = argv[1], .host = "127.0.0.1", .path = "/", .sub_path = "/sub", .pub_path = "/pub",
                 .connections = 100, .inflight = 1, .size = 16, .duration = 5, .warmup = 1, .timeout = 30,
                 .sample = 64, .count = 10000, .concurrency = 64};
  int large = strcmp(o.mode, "large") == 0;
  if (large) { o.connections = 1; o.size = 1 << 20; o.sample = 1; }
  if (strcmp(o.mode, "idle") == 0) o.connections = 10000, o.concurrency = 256;
  if (strcmp(o.mode, "fanout") == 0) o.connections = 1000, o.inflight = 16, o.concurrency = 256;
  int path_given = 0, sub_given = 0, pub_given = 0;
  for (int i = 2; i < argc; i++) {
    const char *k = argv[i];
    if (i + 1 >= argc) usage();
    const char *v = argv[++i];
    if (!strcmp(k, "--host")) o.host = v;
    else if (!strcmp(k, "--port")) o.port = (int)num(v, k, 1, 65535);
    else if (!strcmp(k, "--path")) o.path = v, path_given = 1;
    else if (!strcmp(k, "--sub-path")) o.sub_path = v, sub_given = 1;
    else if (!strcmp(k, "--pub-path")) o.pub_path = v, pub_given = 1;
    else if (!strcmp(k, "--sub-ports")) o.nsub_ports = port_list(v, o.sub_ports, 16);
    else if (!strcmp(k, "--connections")) o.connections = (int)num(v, k, 1, 60000);
    else if (!strcmp(k, "--inflight")) o.inflight = (int)num(v, k, 1, 4096);
    else if (!strcmp(k, "--size")) o.size = (size_t)num(v, k, 0, 64.0 * 1024 * 1024);
    else if (!strcmp(k, "--duration")) o.duration = num(v, k, 0, 600);
    else if (!strcmp(k, "--warmup")) o.warmup = num(v, k, 0, 60);
    else if (!strcmp(k, "--timeout")) o.timeout = num(v, k, 0.1, 600);
    else if (!strcmp(k, "--sample")) o.sample = (int)num(v, k, 1, 1e9);
    else if (!strcmp(k, "--count")) o.count = (int)num(v, k, 1, 1e7);
    else if (!strcmp(k, "--concurrency")) o.concurrency = (int)num(v, k, 1, 60000);
    else if (!strcmp(k, "--sources")) o.sources = (int)num(v, k, 1, 250);
    else if (!strcmp(k, "--deflate-file")) o.deflate_file = v;
    else if (!strcmp(k, "--proto")) {
      if (!strcmp(v, "socketio")) o.socketio = 1;
      else if (!strcmp(v, "primus")) o.primus = 1;
      else if (!strcmp(v, "socketcluster")) o.socketcluster = 1;
      else if (strcmp(v, "ws")) usage();
    }
    else if (!strcmp(k, "--tls")) o.tls = (int)num(v, k, 0, 1);
    else usage();
  }
  if (!o.port) die("--port is required");
  if (o.nsub_ports && strcmp(o.mode, "fanout")) die("--sub-ports: fanout only");
  if (o.socketio) {
    if (large || !strcmp(o.mode, "deflate")) die("--proto socketio: echo, connect, idle or fanout only");
    if (!path_given) o.path = "/socket.io/?EIO=4&transport=websocket";
    if (!sub_given) o.sub_path = "/socket.io/?EIO=4&transport=websocket&role=sub";
    if (!pub_given) o.pub_path = "/socket.io/?EIO=4&transport=websocket&role=pub";
  }
  if (o.primus) {
    if (large || !strcmp(o.mode, "deflate") || !strcmp(o.mode, "fanout")) die("--proto primus: echo, connect or idle only");
    if (!path_given) o.path = "/primus";
  }
  if (o.socketcluster) {
    if (large || !strcmp(o.mode, "deflate") || !strcmp(o.mode, "fanout")) die("--proto socketcluster: echo, connect or idle only");
    if (!path_given) o.path = "/socketcluster/";
  }
  signal(SIGPIPE, SIG_IGN);
  rng_seed();
  if (o.tls) tls_enable();
  if (!strcmp(o.mode, "echo") || large || !strcmp(o.mode, "deflate")) return mode_echo(&o);
  if (!strcmp(o.mode, "connect")) return mode_connect(&o);
  if (!strcmp(o.mode, "idle")) return mode_idle(&o);
  if (!strcmp(o.mode, "fanout")) return mode_fanout(&o);
  usage();
}

/*
 * connect: complete `count` opening handshakes (Sec-WebSocket-Accept checked), at most
 * `concurrency` in progress; each connection is reset (SO_LINGER 0) right after its 101 so no
 * TIME_WAIT piles up on the client ports. Bounded by --timeout seconds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "options.h"
#include "clock.h"
#include "run-errors.h"
#include "ws-client.h"

static int completed;

static void on_open(conn_t *c) {
  completed++;
  conn_close(c, 1);
}

static const conn_handlers_t H = {on_open, NULL, NULL, NULL};

int mode_connect(const lg_opts_t *o) {
  lg_loop_t L;
  loop_init(&L, o->host, o->port, sources_for(o, o->count), 0, &H);
  L.socketio = o->socketio;
  L.primus = o->primus;
  L.socketcluster = o->socketcluster;
  int conc = o->concurrency;
  conn_t *slots = calloc((size_t)conc, sizeof *slots);
  int started = 0;
  mark_phase("measure");
  double t0 = now_s(), deadline = t0 + o->timeout;
  while (now_s() < deadline) {
    for (int i = 0; i < conc && started < o->count; i++) {
      if (slots[i].state == C_FREE || slots[i].state == C_CLOSED) {
        conn_start(&L, &slots[i], (uint32_t)started, o->path);
        started++;
      }
    }
    if (started >= o->count && L.pending == 0) break;
    loop_once(&L, 5);
  }
  double t1 = now_s();
  mark_phase("end");
  for (int i = 0; i < conc; i++) {
    if (slots[i].state == C_CONNECTING || slots[i].state == C_TLS || slots[i].state == C_HANDSHAKE ||
        slots[i].state == C_SIO_CONNECT) {
      conn_close(&slots[i], 1);
      g_err.connect_errors++;
    }
  }
  if (started < o->count) g_err.connect_errors += (uint64_t)(o->count - started);
  double secs = t1 - t0;
  report_begin(o);
  printf(",\"count\":%d,\"completed\":%d,\"concurrency\":%d,\"seconds\":%.3f,\"conns_per_s\":%.1f", o->count,
         completed, conc, secs, completed / secs);
  report_end(secs);
  return completed == o->count ? 0 : 1;
}

/*
 * idle: open N connections, print "ready <open>" on stderr once all are open (the harness
 * then samples the server's RSS), hold them for --duration seconds answering pings, and
 * report how many were still open at the end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "open-all.h"
#include "options.h"
#include "clock.h"

static const conn_handlers_t H = {NULL, NULL, NULL, NULL};

int mode_idle(const lg_opts_t *o) {
  lg_loop_t L;
  loop_init(&L, o->host, o->port, sources_for(o, o->connections), 0, &H);
  L.socketio = o->socketio;
  L.primus = o->primus;
  L.socketcluster = o->socketcluster;
  conn_t *conns = calloc((size_t)o->connections, sizeof *conns);
  double t0 = now_s();
  int open = open_all(&L, conns, 0, o->connections, o->path, o->concurrency, t0 + o->timeout);
  double t_open = now_s();
  fprintf(stderr, "ready %d\n", open);
  fflush(stderr);
  double end = t_open + o->duration;
  while (now_s() < end) loop_once(&L, 50);
  report_begin(o);
  printf(",\"connections\":%d,\"open\":%d,\"still_open\":%d,\"setup_s\":%.3f,\"held_s\":%.3f", o->connections, open,
         L.open, t_open - t0, now_s() - t_open);
  report_end(now_s() - t0);
  return open == o->connections && L.open == open ? 0 : 1;
}

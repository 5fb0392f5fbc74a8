/*
 * fanout: N subscribers on --sub-path, then one publisher on --pub-path. The publisher keeps P
 * messages in flight, a message being done when every subscriber has it; each subscriber
 * checks that it receives every message in order (sequence number in the prefix), one in
 * `sample` byte by byte. Reports deliveries (subscriber receipts) per second.
 *
 * --sub-ports P1,P2,..: subscriber i connects to the (i mod n)-th port (several server processes
 * on one broker); the publisher connects to --port.
 *
 * --proto socketio: a room broadcast. Subscribers and the publisher are Socket.IO clients (the
 * paths default to the Socket.IO endpoint with &role=sub / &role=pub); the server puts the
 * subscribers in one room and re-emits every "echo" event of the publisher to that room, so
 * each subscriber receives the publisher's 42["echo","..."] bytes unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure-window.h"
#include "open-all.h"
#include "options.h"
#include "payload.h"
#include "clock.h"
#include "run-errors.h"

#define PUBLISHER_ID 0xFFFFFFFFu

static const lg_opts_t *O;
static payload_t PL;
static lg_window_t win;
static int nsubs;
static conn_t *pub;
static uint32_t *counts; /* receipts per in-flight sequence number, ring of `inflight` */
static uint64_t done, m_deliveries, m_messages;

static void publish(void) {
  uint64_t seq = pub->sent++;
  counts[seq % (uint64_t)O->inflight] = 0;
  uint8_t pre[PREFIX_MAX];
  payload_prefix(&PL, pre, seq, PUBLISHER_ID);
  conn_send(pub, PL.opcode, 0, pre, PL.plen, PL.body, PL.blen);
}

static void on_open(conn_t *c) {
  if (c == pub)
    for (int i = 0; i < O->inflight; i++) publish();
}

static void on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off) {
  if (c == pub || c->bad) return;
  int full = O->sample <= 1 || c->recvd % (uint64_t)O->sample == 0;
  if (!payload_check(&PL, c->recvd, PUBLISHER_ID, p, n, off, full)) c->bad = 1;
}

static void on_message(conn_t *c, uint64_t len, int opcode, int rsv1) {
  (void)rsv1;
  if (c == pub) { g_err.protocol_errors++; return; } /* the publisher gets nothing back */
  if (len != PL.len || opcode != PL.opcode) c->bad = 1;
  if (c->bad) { g_err.verify_errors++; c->bad = 0; }
  uint64_t seq = c->recvd++;
  if (win.phase == 1) m_deliveries++;
  if (seq >= pub->sent || seq < done) return; /* not a message in flight: already counted as bad */
  if (++counts[seq % (uint64_t)O->inflight] == (uint32_t)nsubs) {
    done++;
    if (win.phase == 1) m_messages++;
    if (win.phase < 2 && pub->state == C_OPEN) publish();
  }
}

static const conn_handlers_t H = {on_open, on_data, on_message, NULL};

static int publisher_open(void *c) { return ((conn_t *)c)->state == C_OPEN; }

int mode_fanout(const lg_opts_t *o) {
  O = o;
  nsubs = o->connections;
  if (o->socketio) payload_init_socketio(&PL, o->size);
  else payload_init(&PL, o->size);
  counts = calloc((size_t)o->inflight, sizeof *counts);
  lg_loop_t L;
  loop_init(&L, o->host, o->port, sources_for(o, nsubs + 1), 0, &H);
  L.socketio = o->socketio;
  conn_t *conns = calloc((size_t)nsubs + 1, sizeof *conns);
  pub = &conns[nsubs];
  double t_begin = now_s(), deadline = t_begin + o->timeout;
  L.ports = o->sub_ports;
  L.nports = o->nsub_ports;
  int open = open_all(&L, conns, 0, nsubs, o->sub_path, o->concurrency, deadline);
  L.nports = 0;
  /* let the server finish subscribing before the first publish */
  double settle = now_s() + (o->nsub_ports ? 1.0 : 0.2); /* across a broker: its subscriptions too */
  while (now_s() < settle) loop_once(&L, 10);
  int pub_open = open_all(&L, conns, nsubs, 1, o->pub_path, 1, deadline + 5);
  double t_open = now_s();
  window_run(&L, &win, o->warmup, o->duration, publisher_open, pub);
  double secs = window_seconds(&win);
  report_begin(o);
  printf(",\"subscribers\":%d,\"open\":%d,\"publisher_open\":%d,\"inflight\":%d,\"size\":%zu,\"setup_s\":%.3f"
         ",\"seconds\":%.3f,\"messages\":%llu,\"deliveries\":%llu,\"deliveries_per_s\":%.1f,\"msgs_per_s\":%.1f",
         nsubs, open, pub_open, o->inflight, o->size, t_open - t_begin, secs, (unsigned long long)m_messages,
         (unsigned long long)m_deliveries, m_deliveries / secs, m_messages / secs);
  report_end(now_s() - t_begin);
  return open == nsubs && pub_open == 1 ? 0 : 1;
}

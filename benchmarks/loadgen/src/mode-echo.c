/*
 * echo / large / deflate: N connections, each keeping P messages of S bytes in flight; every
 * reply sends the next message. Order is checked on every reply (sequence number and connection
 * id in the prefix), every byte on one reply in `sample`. deflate: the payloads are read from a
 * file of precompressed permessage-deflate messages and sent with RSV1; replies are counted,
 * not inflated (no zlib here), so they are checked by count, type and RSV1 only.
 * --proto socketio: the messages are Socket.IO "echo" events (payload.h), checked the same way.
 * --proto primus: the messages are JSON strings (payload.h), as Primus's json parser writes them.
 * --proto socketcluster: the messages are SocketCluster "echo" events (payload.h).
 *
 * Latency: every message's round trip, from queueing it (conn_send; the write follows at the
 * end of the same wake-up) to parsing the complete reply, goes into a histogram while
 * measuring. Replies come back in order, so a connection's send times live in a ring of P
 * slots indexed by sequence number: fixed memory, no allocation per message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"
#include "measure-window.h"
#include "open-all.h"
#include "options.h"
#include "payload.h"
#include "clock.h"
#include "fatal.h"
#include "run-errors.h"

typedef struct {
  uint32_t raw_len, len;
  uint8_t *data;
} variant_t;

static const lg_opts_t *O;
static payload_t PL;
static lg_window_t win;
static uint64_t m_msgs, m_bytes, m_raw_bytes, compressed_replies;
static variant_t *variants;
static size_t nvariants;
static uint64_t *sent_at; /* [connection * inflight + seq % inflight]: ns when queued */
static lat_hist_t lat;

static uint64_t *sent_slot(const conn_t *c, uint64_t seq) {
  return &sent_at[(size_t)c->id * (size_t)O->inflight + (size_t)(seq % (uint64_t)O->inflight)];
}

static void send_next(conn_t *c) {
  uint64_t seq = c->sent++;
  *sent_slot(c, seq) = now_ns();
  if (nvariants) {
    variant_t *v = &variants[seq % nvariants];
    conn_send(c, 1, 1, v->data, v->len, NULL, 0);
    return;
  }
  uint8_t pre[PREFIX_MAX];
  payload_prefix(&PL, pre, seq, c->id);
  conn_send(c, PL.opcode, 0, pre, PL.plen, PL.body, PL.blen);
}

static void start(conn_t *c) {
  for (int i = 0; i < O->inflight; i++) send_next(c);
}

static void on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off) {
  if (win.phase == 1) m_bytes += n;
  if (nvariants || c->bad) return;
  int full = O->sample <= 1 || c->recvd % (uint64_t)O->sample == 0;
  if (!payload_check(&PL, c->recvd, c->id, p, n, off, full)) c->bad = 1;
}

static void on_message(conn_t *c, uint64_t len, int opcode, int rsv1) {
  if (win.phase == 1) lat_record(&lat, now_ns() - *sent_slot(c, c->recvd));
  if (nvariants) {
    if (opcode != 1) c->bad = 1;
    if (rsv1) compressed_replies++;
    if (win.phase == 1) m_raw_bytes += variants[c->recvd % nvariants].raw_len;
  } else if (len != PL.len || opcode != PL.opcode) {
    c->bad = 1;
  }
  if (c->bad) { g_err.verify_errors++; c->bad = 0; }
  c->recvd++;
  if (win.phase == 1) m_msgs++;
  if (win.phase < 2) send_next(c);
}

static const conn_handlers_t H = {NULL, on_data, on_message, NULL};

static void load_variants(const char *file) {
  FILE *f = fopen(file, "rb");
  if (!f) die("cannot open %s", file);
  uint8_t h[8];
  while (fread(h, 1, 8, f) == 8) {
    variant_t v;
    v.raw_len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    v.len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
    v.data = xrealloc(NULL, v.len ? v.len : 1);
    if (fread(v.data, 1, v.len, f) != v.len) die("truncated %s", file);
    variants = xrealloc(variants, (nvariants + 1) * sizeof *variants);
    variants[nvariants++] = v;
  }
  fclose(f);
  if (!nvariants) die("no messages in %s", file);
}

static int any_open(void *loop) { return ((lg_loop_t *)loop)->open > 0; }

int mode_echo(const lg_opts_t *o) {
  O = o;
  int deflate = strcmp(o->mode, "deflate") == 0;
  if (deflate) {
    if (!o->deflate_file) die("deflate needs --deflate-file");
    load_variants(o->deflate_file);
  } else if (o->socketio) {
    payload_init_socketio(&PL, o->size);
  } else if (o->primus) {
    payload_init_primus(&PL, o->size);
  } else if (o->socketcluster) {
    payload_init_socketcluster(&PL, o->size);
  } else {
    payload_init(&PL, o->size);
  }
  sent_at = calloc((size_t)o->connections * (size_t)o->inflight, sizeof *sent_at);
  if (!sent_at) die("out of memory");
  lg_loop_t L;
  loop_init(&L, o->host, o->port, sources_for(o, o->connections), deflate, &H);
  L.socketio = o->socketio;
  L.primus = o->primus;
  L.socketcluster = o->socketcluster;
  size_t frame = (deflate ? 65536 : PL.len) + 14;
  L.keep_cap = frame * (size_t)o->inflight * 2 + 65536;
  conn_t *conns = calloc((size_t)o->connections, sizeof *conns);
  double t_begin = now_s();
  int open = open_all(&L, conns, 0, o->connections, o->path, o->concurrency, t_begin + o->timeout);
  /* traffic starts once every connection is open: handshakes never compete with echo load */
  for (int i = 0; i < o->connections; i++)
    if (conns[i].state == C_OPEN) start(&conns[i]);
  loop_flush(&L);
  double t_open = now_s();
  window_run(&L, &win, o->warmup, o->duration, any_open, &L);
  double secs = window_seconds(&win);
  report_begin(o);
  printf(",\"connections\":%d,\"open\":%d,\"inflight\":%d,\"setup_s\":%.3f,\"seconds\":%.3f",
         o->connections, open, o->inflight, t_open - t_begin, secs);
  if (deflate) {
    printf(",\"variants\":%zu,\"messages\":%llu,\"msgs_per_s\":%.1f,\"raw_mb_per_s\":%.3f,\"wire_mb_per_s\":%.3f"
           ",\"compressed_replies\":%llu,\"verify\":\"count\"",
           nvariants, (unsigned long long)m_msgs, m_msgs / secs, m_raw_bytes / secs / 1e6, m_bytes / secs / 1e6,
           (unsigned long long)compressed_replies);
  } else {
    printf(",\"proto\":\"%s\",\"size\":%zu,\"message_bytes\":%zu,\"messages\":%llu,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f"
           ",\"sample\":%d,\"verify\":\"order+sample\"",
           o->socketio ? "socketio" : o->primus ? "primus" : o->socketcluster ? "socketcluster" : "ws", o->size, PL.len, (unsigned long long)m_msgs, m_msgs / secs,
           m_bytes / secs / 1e6, o->sample);
  }
  lat_print_json(&lat);
  report_end(now_s() - t_begin);
  return open == o->connections ? 0 : 1;
}

#include "ws-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accept-key.h"
#include "base64.h"
#include "primus.h"
#include "socketcluster.h"
#include "socketio.h"
#include "tls-io.h"
#include "clock.h"
#include "fatal.h"
#include "rng.h"
#include "run-errors.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define READ_BUF (256 * 1024)
#define MAX_HEAD 8192

static uint8_t rbuf[READ_BUF];

void loop_init(lg_loop_t *L, const char *host, int port, int nsources, int deflate, const conn_handlers_t *h) {
  memset(L, 0, sizeof *L);
  L->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (L->epfd < 0) die("epoll_create1: %s", strerror(errno));
  L->dst.sin_family = AF_INET;
  L->dst.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &L->dst.sin_addr) != 1) die("bad IPv4 address %s", host);
  if ((ntohl(L->dst.sin_addr.s_addr) >> 24) != 127) die("refusing a non-loopback target %s", host);
  snprintf(L->host_header, sizeof L->host_header, "%s:%d", host, port);
  L->nsources = nsources < 1 ? 1 : nsources > 250 ? 250 : nsources;
  L->deflate = deflate;
  L->h = h;
  L->keep_cap = 64 * 1024;
}

static void set_events(conn_t *c, uint32_t ev) {
  struct epoll_event e = {.events = ev, .data.ptr = c};
  epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->fd, &e);
}

void conn_fail(conn_t *c, uint64_t *counter) {
  if (c->state == C_CLOSED || c->state == C_FREE) return;
  if (counter) (*counter)++;
  conn_state_t was = c->state;
  conn_close(c, 1);
  if (was != C_OPEN) c->loop->pending--;
  if (c->loop->h->on_fail) c->loop->h->on_fail(c);
}

void conn_close(conn_t *c, int abortive) {
  if (c->state == C_FREE || c->state == C_CLOSED) return;
  if (c->state == C_OPEN) c->loop->open--;
  if (abortive) {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  if (c->ssl) { tls_free(c->ssl); c->ssl = NULL; }
  close(c->fd);
  c->fd = -1;
  free(c->out);
  free(c->head);
  c->out = NULL;
  c->head = NULL;
  c->out_cap = c->out_len = c->out_off = c->head_len = 0;
  c->state = C_CLOSED;
}

int conn_start(lg_loop_t *L, conn_t *c, uint32_t id, const char *path) {
  memset(c, 0, sizeof *c);
  c->loop = L;
  c->id = id;
  c->path = path;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) { g_err.connect_errors++; c->state = C_CLOSED; return -1; }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (L->nsources > 1) {
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7F000001u + id % (uint32_t)L->nsources);
    if (bind(c->fd, (struct sockaddr *)&src, sizeof src) < 0) {
      close(c->fd); g_err.connect_errors++; c->state = C_CLOSED; return -1;
    }
  }
  c->state = C_CONNECTING;
  c->started = now_s();
  L->pending++;
  struct epoll_event e = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
  if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, c->fd, &e) < 0) { conn_fail(c, &g_err.connect_errors); return -1; }
  struct sockaddr_in dst = L->dst;
  if (L->nports > 0) dst.sin_port = htons((uint16_t)L->ports[id % (uint32_t)L->nports]);
  if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
    conn_fail(c, &g_err.connect_errors);
    return -1;
  }
  return 0;
}

static void out_reserve(conn_t *c, size_t extra) {
  if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + extra <= c->out_cap) return;
  if (c->out_off > 0) {
    memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
    c->out_len -= c->out_off;
    c->out_off = 0;
    if (c->out_len + extra <= c->out_cap) return;
  }
  size_t cap = c->out_cap ? c->out_cap : 1024;
  while (cap < c->out_len + extra) cap *= 2;
  c->out = xrealloc(c->out, cap);
  c->out_cap = cap;
}

static void mark_dirty(conn_t *c) {
  if (c->dirty) return;
  lg_loop_t *L = c->loop;
  if (L->ndirty == L->dirty_cap) {
    L->dirty_cap = L->dirty_cap ? L->dirty_cap * 2 : 256;
    L->dirty = xrealloc(L->dirty, L->dirty_cap * sizeof *L->dirty);
  }
  L->dirty[L->ndirty++] = c;
  c->dirty = 1;
}

static ssize_t io_write(conn_t *c, const void *p, size_t n) {
  return c->ssl ? tls_write(c->ssl, p, n) : write(c->fd, p, n);
}

static ssize_t io_read(conn_t *c, void *p, size_t n) {
  return c->ssl ? tls_read(c->ssl, p, n) : read(c->fd, p, n);
}

static void flush(conn_t *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = io_write(c, c->out + c->out_off, c->out_len - c->out_off);
    if (n > 0) { c->out_off += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c->want_out) { c->want_out = 1; set_events(c, EPOLLIN | EPOLLOUT); }
      return;
    }
    conn_fail(c, c->state == C_OPEN ? &g_err.closed : &g_err.connect_errors);
    return;
  }
  c->out_off = c->out_len = 0;
  if (c->out_cap > c->loop->keep_cap) { free(c->out); c->out = NULL; c->out_cap = 0; }
  if (c->want_out) { c->want_out = 0; set_events(c, EPOLLIN); }
}

void loop_flush(lg_loop_t *L) {
  for (size_t i = 0; i < L->ndirty; i++) {
    conn_t *c = L->dirty[i];
    c->dirty = 0;
    if (c->state == C_OPEN || c->state == C_HANDSHAKE || c->state == C_SIO_CONNECT) flush(c);
  }
  L->ndirty = 0;
}

/* dst[i] = src[i] ^ mask[(phase + i) % 4] */
static void mask_copy(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4], size_t phase) {
  uint8_t m[8];
  for (int i = 0; i < 8; i++) m[i] = mask[(phase + (size_t)i) % 4];
  uint64_t k;
  memcpy(&k, m, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, src + i, 8);
    w ^= k;
    memcpy(dst + i, &w, 8);
  }
  for (; i < n; i++) dst[i] = src[i] ^ m[i % 8];
}

void conn_send(conn_t *c, int opcode, int rsv1, const uint8_t *prefix, size_t plen, const uint8_t *body, size_t blen) {
  if (c->state != C_OPEN && c->state != C_SIO_CONNECT) return;
  uint64_t len = plen + blen;
  out_reserve(c, 14 + len);
  uint8_t *p = c->out + c->out_len;
  size_t h = 0;
  p[h++] = (uint8_t)(0x80 | (rsv1 ? 0x40 : 0) | (opcode & 0x0F));
  if (len < 126) {
    p[h++] = (uint8_t)(0x80 | len);
  } else if (len < 65536) {
    p[h++] = 0x80 | 126;
    p[h++] = (uint8_t)(len >> 8);
    p[h++] = (uint8_t)len;
  } else {
    p[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) p[h++] = (uint8_t)(len >> (8 * i));
  }
  uint32_t r = (uint32_t)rng_next();
  uint8_t mask[4];
  memcpy(mask, &r, 4);
  memcpy(p + h, mask, 4);
  h += 4;
  if (plen) mask_copy(p + h, prefix, plen, mask, 0);
  if (blen) mask_copy(p + h + plen, body, blen, mask, plen);
  c->out_len += h + len;
  mark_dirty(c);
}

static void send_handshake(conn_t *c) {
  uint8_t raw[16];
  for (int i = 0; i < 16; i += 8) { uint64_t r = rng_next(); memcpy(raw + i, &r, 8); }
  base64_encode(raw, 16, c->key);
  char req[1024];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                   c->path, c->loop->host_header, c->key,
                   c->loop->deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n" : "");
  out_reserve(c, (size_t)n);
  memcpy(c->out + c->out_len, req, (size_t)n);
  c->out_len += (size_t)n;
  c->state = C_HANDSHAKE;
  flush(c);
}

/* Value of header `name` in head (case-insensitive name), or NULL; *len gets its length. */
static const char *header(const char *head, const char *name, size_t *len) {
  size_t nl = strlen(name);
  const char *p = strstr(head, "\r\n");
  while (p && p[2] != '\r') {
    const char *line = p + 2;
    const char *eol = strstr(line, "\r\n");
    if (!eol) return NULL;
    if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
      const char *v = line + nl + 1;
      while (*v == ' ' || *v == '\t') v++;
      const char *e = eol;
      while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
      *len = (size_t)(e - v);
      return v;
    }
    p = eol;
  }
  return NULL;
}

static void feed(conn_t *c, const uint8_t *p, size_t n);

static void on_handshake_bytes(conn_t *c, const uint8_t *p, size_t n) {
  lg_loop_t *L = c->loop;
  size_t take = n;
  if (c->head_len + take > MAX_HEAD) take = MAX_HEAD - c->head_len;
  c->head = xrealloc(c->head, c->head_len + take + 1);
  memcpy(c->head + c->head_len, p, take);
  size_t old = c->head_len;
  c->head_len += take;
  c->head[c->head_len] = '\0';
  char *end = strstr(c->head + (old > 3 ? old - 3 : 0), "\r\n\r\n");
  if (!end) {
    if (c->head_len >= MAX_HEAD) conn_fail(c, &g_err.handshake_errors);
    return;
  }
  size_t head_bytes = (size_t)(end + 4 - c->head);
  end[2] = '\0'; /* keep the last CRLF so header() sees line ends */
  end[3] = '\0';
  int ok = strncmp(c->head, "HTTP/1.1 101", 12) == 0;
  size_t alen = 0, elen = 0;
  const char *accept = ok ? header(c->head, "sec-websocket-accept", &alen) : NULL;
  char expect[29];
  ws_accept_key(c->key, strlen(c->key), expect);
  if (!accept || alen != 28 || memcmp(accept, expect, 28) != 0) ok = 0;
  if (ok && L->deflate) {
    const char *ext = header(c->head, "sec-websocket-extensions", &elen);
    if (!ext || elen < 18 || strncasecmp(ext, "permessage-deflate", 18) != 0) ok = 0;
  }
  if (!ok) { conn_fail(c, &g_err.handshake_errors); return; }
  size_t rest_in_p = (old + n) - head_bytes; /* bytes of p after the head */
  free(c->head);
  c->head = NULL;
  c->head_len = 0;
  if (L->socketio) c->state = C_SIO_CONNECT; /* open for the mode once Socket.IO says so */
  else if (L->socketcluster) sc_on_upgrade(c); /* ... or once SocketCluster's handshake is answered */
  else conn_ready(c);
  if (rest_in_p > 0 && (c->state == C_OPEN || c->state == C_SIO_CONNECT)) feed(c, p + (n - rest_in_p), rest_in_p);
}

void conn_ready(conn_t *c) {
  lg_loop_t *L = c->loop;
  c->state = C_OPEN;
  L->pending--;
  L->open++;
  if (L->h->on_open) L->h->on_open(c);
}

static void finish_frame(conn_t *c) {
  c->in_frame = 0;
  c->hdr_have = 0;
  if (c->f_opcode >= 8) {
    if (c->f_opcode == 9) { /* ping: answer with a pong carrying the same payload */
      conn_send(c, 10, 0, c->ctrl, c->ctrl_len, NULL, 0);
    } else if (c->f_opcode == 8) {
      conn_fail(c, &g_err.closed);
    }
    return;
  }
  if (!c->f_fin) return;
  if (c->loop->socketio) sio_on_message(c, c->msg_len, c->msg_opcode, c->msg_rsv1);
  else if (c->loop->primus) pr_on_message(c, c->msg_len, c->msg_opcode, c->msg_rsv1);
  else if (c->loop->socketcluster) sc_on_message(c, c->msg_len, c->msg_opcode, c->msg_rsv1);
  else if (c->loop->h->on_message) c->loop->h->on_message(c, c->msg_len, c->msg_opcode, c->msg_rsv1);
}

static void feed(conn_t *c, const uint8_t *p, size_t n) {
  while (n > 0 && (c->state == C_OPEN || c->state == C_SIO_CONNECT)) {
    if (!c->in_frame) {
      size_t need = 2;
      if (c->hdr_have >= 2) {
        uint8_t l7 = c->hdr[1] & 0x7F;
        need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0);
      }
      while (c->hdr_have < need && n > 0) {
        c->hdr[c->hdr_have++] = *p++;
        n--;
        if (c->hdr_have == 2) {
          uint8_t l7 = c->hdr[1] & 0x7F;
          need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0);
        }
      }
      if (c->hdr_have < need) return;
      if (c->hdr[1] & 0x80) { conn_fail(c, &g_err.protocol_errors); return; } /* servers never mask */
      c->f_fin = c->hdr[0] >> 7;
      c->f_rsv1 = (c->hdr[0] >> 6) & 1;
      c->f_opcode = c->hdr[0] & 0x0F;
      uint8_t l7 = c->hdr[1] & 0x7F;
      uint64_t len = l7;
      if (l7 == 126) len = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
      if (l7 == 127) { len = 0; for (int i = 0; i < 8; i++) len = len << 8 | c->hdr[2 + i]; }
      if (c->f_opcode >= 8) {
        if (len > 125 || !c->f_fin || c->f_opcode > 10) { conn_fail(c, &g_err.protocol_errors); return; }
        c->ctrl_len = 0;
      } else if (c->f_opcode == 1 || c->f_opcode == 2) {
        c->msg_opcode = c->f_opcode;
        c->msg_rsv1 = c->f_rsv1;
        c->msg_len = 0;
      } else if (c->f_opcode != 0) {
        conn_fail(c, &g_err.protocol_errors);
        return;
      }
      c->frame_left = len;
      c->in_frame = 1;
      if (len == 0) finish_frame(c);
      continue;
    }
    size_t take = n < c->frame_left ? n : (size_t)c->frame_left;
    if (c->f_opcode >= 8) {
      memcpy(c->ctrl + c->ctrl_len, p, take);
      c->ctrl_len += (uint8_t)take;
    } else {
      if (c->loop->socketio) sio_on_data(c, p, take, c->msg_len);
      else if (c->loop->primus) pr_on_data(c, p, take, c->msg_len);
      else if (c->loop->socketcluster) sc_on_data(c, p, take, c->msg_len);
      else if (c->loop->h->on_data) c->loop->h->on_data(c, p, take, c->msg_len);
      c->msg_len += take;
    }
    p += take;
    n -= take;
    c->frame_left -= take;
    if (c->frame_left == 0) finish_frame(c);
  }
}

static void on_readable(conn_t *c) {
  /* SSL_read returns one record at a time (no read-ahead: what is left stays in the kernel,
     where epoll sees it), so TLS reads loop until OpenSSL waits for the socket. */
  int max_rounds = c->ssl ? 64 : 4;
  for (int rounds = 0; rounds < max_rounds && (c->state == C_OPEN || c->state == C_HANDSHAKE || c->state == C_SIO_CONNECT);
       rounds++) {
    ssize_t n = io_read(c, rbuf, sizeof rbuf);
    if (n > 0) {
      if (c->state == C_HANDSHAKE) on_handshake_bytes(c, rbuf, (size_t)n);
      else feed(c, rbuf, (size_t)n);
      if (!c->ssl && (size_t)n < sizeof rbuf) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    conn_fail(c, c->state == C_OPEN ? &g_err.closed : &g_err.connect_errors);
    return;
  }
}

void loop_once(lg_loop_t *L, int timeout_ms) {
  struct epoll_event ev[512];
  int n = epoll_wait(L->epfd, ev, 512, timeout_ms);
  for (int i = 0; i < n; i++) {
    conn_t *c = ev[i].data.ptr;
    uint32_t e = ev[i].events;
    if (c->state == C_CONNECTING) {
      int err = 0;
      socklen_t el = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
      if (err || (e & (EPOLLERR | EPOLLHUP))) { conn_fail(c, &g_err.connect_errors); continue; }
      if (tls_enabled()) {
        c->ssl = tls_new(c->fd);
        if (!c->ssl) { conn_fail(c, &g_err.connect_errors); continue; }
        c->state = C_TLS;
      } else {
        set_events(c, EPOLLIN);
        send_handshake(c);
        continue;
      }
    }
    if (c->state == C_TLS) {
      int want_write = 0;
      int r = tls_handshake(c->ssl, &want_write);
      if (r < 0) { conn_fail(c, &g_err.connect_errors); continue; }
      set_events(c, r == 0 && want_write ? EPOLLIN | EPOLLOUT : EPOLLIN);
      if (r == 1) send_handshake(c);
      continue;
    }
    if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
    if ((e & EPOLLOUT) && (c->state == C_OPEN || c->state == C_HANDSHAKE || c->state == C_SIO_CONNECT)) flush(c);
  }
  loop_flush(L);
}

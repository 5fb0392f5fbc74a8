/*
 * The "limit" reference: a minimal single-threaded epoll WebSocket server in C. It does the
 * least any server must do — opening handshake (own SHA-1/base64), unmask, frame the reply,
 * write — so its numbers are what this machine's kernel and loopback allow for one core.
 * Echo on every path (frame by frame, opcode kept); "/sub" connections receive every message
 * sent on "/pub" (fan-out). No extensions, no UTF-8 validation, no limits beyond memory:
 * a benchmark reference, not a server to deploy.
 *
 *   limit-echo <port>     prints "listening <port>" once ready; binds 127.0.0.1 only
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accept-key.h"

typedef struct {
  int fd, open, sub, pub, want_out, dirty, closing;
  uint8_t *in;
  size_t in_len, in_cap;
  uint8_t *out;
  size_t out_off, out_len, out_cap;
} sconn_t;

static int epfd;
static sconn_t **by_fd;
static sconn_t **subs;
static size_t nsubs, subs_cap;
static sconn_t **dirty;
static size_t ndirty, dirty_cap;
static uint8_t rbuf[1 << 20];

static void *grow(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q && n) { fputs("limit-echo: out of memory\n", stderr); exit(1); }
  return q;
}

static void reserve(uint8_t **buf, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  *buf = grow(*buf, c);
  *cap = c;
}

static void set_events(sconn_t *c, uint32_t ev) {
  struct epoll_event e = {.events = ev, .data.fd = c->fd};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static void mark(sconn_t *c);

static void drop(sconn_t *c) {
  if (c->sub)
    for (size_t i = 0; i < nsubs; i++)
      if (subs[i] == c) { subs[i] = subs[--nsubs]; break; }
  by_fd[c->fd] = NULL;
  close(c->fd);
  free(c->in);
  free(c->out);
  c->fd = -1;
  c->in = c->out = NULL;
  mark(c); /* freed when the dirty list is walked */
}

static void mark(sconn_t *c) {
  if (c->dirty) return;
  if (ndirty == dirty_cap) { dirty_cap = dirty_cap ? dirty_cap * 2 : 256; dirty = grow(dirty, dirty_cap * sizeof *dirty); }
  dirty[ndirty++] = c;
  c->dirty = 1;
}

static uint8_t *out_space(sconn_t *c, size_t n) {
  if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
  reserve(&c->out, &c->out_cap, c->out_len + n);
  mark(c);
  return c->out + c->out_len;
}

static size_t header(uint8_t *p, uint8_t b0, uint64_t len) {
  p[0] = b0;
  if (len < 126) { p[1] = (uint8_t)len; return 2; }
  if (len < 65536) { p[1] = 126; p[2] = (uint8_t)(len >> 8); p[3] = (uint8_t)len; return 4; }
  p[1] = 127;
  for (int i = 0; i < 8; i++) p[2 + i] = (uint8_t)(len >> (56 - 8 * i));
  return 10;
}

static void send_frame(sconn_t *c, uint8_t b0, const uint8_t *payload, uint64_t len) {
  uint8_t *p = out_space(c, 10 + len);
  size_t h = header(p, b0, len);
  memcpy(p + h, payload, len);
  c->out_len += h + len;
}

static void flush(sconn_t *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n > 0) { c->out_off += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c->want_out) { c->want_out = 1; set_events(c, EPOLLOUT); } /* stop reading until drained */
      return;
    }
    drop(c);
    return;
  }
  c->out_off = c->out_len = 0;
  free(c->out); /* drained: an idle socket holds no buffer */
  c->out = NULL;
  c->out_cap = 0;
  if (c->want_out) { c->want_out = 0; set_events(c, EPOLLIN); }
  if (c->closing) drop(c);
}

/* Returns bytes consumed from p (the head), 0 if incomplete, -1 to drop. */
static long handshake(sconn_t *c, uint8_t *p, size_t n) {
  uint8_t *end = memmem(p, n, "\r\n\r\n", 4);
  if (!end) return n > 8192 ? -1 : 0;
  *end = '\0';
  char *head = (char *)p;
  if (strncmp(head, "GET ", 4) != 0) return -1;
  c->sub = strncmp(head + 4, "/sub ", 5) == 0;
  c->pub = strncmp(head + 4, "/pub ", 5) == 0;
  char *line = strstr(head, "\r\n");
  const char *key = NULL;
  size_t klen = 0;
  while (line) {
    line += 2;
    if (strncasecmp(line, "sec-websocket-key:", 18) == 0) {
      key = line + 18;
      while (*key == ' ') key++;
      const char *e = strstr(key, "\r\n");
      klen = e ? (size_t)(e - key) : strlen(key);
      while (klen && key[klen - 1] == ' ') klen--;
    }
    line = strstr(line, "\r\n");
  }
  if (!key) return -1;
  char accept[29];
  ws_accept_key(key, klen, accept);
  char resp[160];
  int rn = snprintf(resp, sizeof resp,
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
  memcpy(out_space(c, (size_t)rn), resp, (size_t)rn);
  c->out_len += (size_t)rn;
  c->open = 1;
  if (c->sub) {
    if (nsubs == subs_cap) { subs_cap = subs_cap ? subs_cap * 2 : 1024; subs = grow(subs, subs_cap * sizeof *subs); }
    subs[nsubs++] = c;
  }
  return (long)(end + 4 - p);
}

/* Handles complete frames in p; returns bytes consumed, or -1 to drop. */
static long frames(sconn_t *c, uint8_t *p, size_t n) {
  size_t at = 0;
  while (n - at >= 2) {
    uint8_t *f = p + at;
    uint8_t b0 = f[0], l7 = f[1] & 0x7F;
    if (!(f[1] & 0x80)) return -1; /* clients must mask */
    size_t h = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
    if (n - at < h + 4) break;
    uint64_t len = l7;
    if (l7 == 126) len = (uint64_t)f[2] << 8 | f[3];
    if (l7 == 127) { len = 0; for (int i = 0; i < 8; i++) len = len << 8 | f[2 + i]; }
    if (n - at < h + 4 + len) break;
    uint8_t m[8], *pl = f + h + 4;
    for (int i = 0; i < 8; i++) m[i] = f[h + (size_t)(i % 4)];
    uint64_t k;
    memcpy(&k, m, 8);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) { uint64_t w; memcpy(&w, pl + i, 8); w ^= k; memcpy(pl + i, &w, 8); }
    for (; i < len; i++) pl[i] ^= m[i % 8];
    uint8_t op = b0 & 0x0F;
    if (op == 8) { send_frame(c, 0x88, pl, len < 2 ? len : 2); c->closing = 1; return -2; }
    if (op == 9) send_frame(c, 0x8A, pl, len);
    else if (op != 10) {
      if (c->pub) {
        for (size_t s = 0; s < nsubs; s++) send_frame(subs[s], b0, pl, len);
      } else {
        send_frame(c, b0, pl, len);
      }
    }
    at += h + 4 + len;
  }
  return (long)at;
}

static void consume(sconn_t *c, uint8_t *p, size_t n) {
  size_t at = 0;
  if (!c->open) {
    long h = handshake(c, p, n);
    if (h < 0) { drop(c); return; }
    if (h == 0) goto keep;
    at = (size_t)h;
  }
  long r = frames(c, p + at, n - at);
  if (r == -1) { drop(c); return; }
  if (r == -2) return; /* closing: the rest is ignored */
  at += (size_t)r;
keep:
  if (p == c->in) {
    memmove(c->in, c->in + at, n - at);
    c->in_len = n - at;
  } else if (at < n) {
    reserve(&c->in, &c->in_cap, n - at);
    memcpy(c->in, p + at, n - at);
    c->in_len = n - at;
  }
  if (c->in_len == 0 && c->in) { free(c->in); c->in = NULL; c->in_cap = 0; }
}

static void readable(sconn_t *c) {
  for (;;) {
    ssize_t n;
    if (c->in_len) {
      reserve(&c->in, &c->in_cap, c->in_len + 65536);
      n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
      if (n > 0) { c->in_len += (size_t)n; consume(c, c->in, c->in_len); }
    } else {
      n = read(c->fd, rbuf, sizeof rbuf);
      if (n > 0) consume(c, rbuf, (size_t)n);
    }
    if (n > 0) {
      if (c->fd < 0 || c->closing || c->want_out) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    drop(c);
    return;
  }
}

int main(int argc, char **argv) {
  const char *ps = argc > 1 ? argv[1] : getenv("PORT");
  int port = ps ? atoi(ps) : 9001;
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  by_fd = calloc(rl.rlim_cur + 1, sizeof *by_fd);
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) { perror("limit-echo: listen"); return 1; }
  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event le = {.events = EPOLLIN, .data.fd = ls};
  epoll_ctl(epfd, EPOLL_CTL_ADD, ls, &le);
  printf("listening %d\n", port);
  fflush(stdout);
  struct epoll_event ev[512];
  for (;;) {
    int n = epoll_wait(epfd, ev, 512, -1);
    for (int i = 0; i < n; i++) {
      int fd = ev[i].data.fd;
      if (fd == ls) {
        for (;;) {
          int cfd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          if ((rlim_t)cfd > rl.rlim_cur) { close(cfd); continue; }
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          sconn_t *c = calloc(1, sizeof *c);
          c->fd = cfd;
          by_fd[cfd] = c;
          struct epoll_event ce = {.events = EPOLLIN, .data.fd = cfd};
          epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ce);
        }
        continue;
      }
      sconn_t *c = by_fd[fd];
      if (!c) continue;
      if (ev[i].events & EPOLLOUT) flush(c);
      else if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) readable(c);
    }
    for (size_t i = 0; i < ndirty; i++) {
      sconn_t *c = dirty[i];
      c->dirty = 0;
      if (c->fd < 0) free(c);
      else flush(c);
    }
    ndirty = 0;
  }
}

#include "primus.h"

#include <string.h>

#include "run-errors.h"

enum { K_UNKNOWN = 0, K_EVENT, K_CONTROL };

static const char PING[] = "\"primus::ping::";
static const char PONG[] = "\"primus::pong::";
static const char CLOSE[] = "\"primus::server::close\"";

void pr_on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off) {
  if (off == 0) c->sio_kind = K_UNKNOWN, c->sio_npeek = 0, c->pr_len = 0;
  size_t i = 0;
  while (c->sio_kind == K_UNKNOWN && i < n) {
    c->sio_peek[c->sio_npeek++] = p[i++];
    if (c->sio_npeek == 2) c->sio_kind = c->sio_peek[0] == '"' && c->sio_peek[1] == 'p' ? K_CONTROL : K_EVENT;
  }
  if (c->sio_kind == K_CONTROL) {
    /* the control messages are short: keep what fits (longer ones are not Primus's) */
    size_t room = sizeof c->pr_ctl - c->pr_len, take = n < room ? n : room;
    memcpy(c->pr_ctl + c->pr_len, p, take);
    c->pr_len += (uint8_t)take;
    return;
  }
  if (c->sio_kind != K_EVENT) {
    /* one byte so far: keep it in case the message turns out to be control */
    c->pr_ctl[0] = c->sio_peek[0];
    c->pr_len = 1;
    return;
  }
  const conn_handlers_t *h = c->loop->h;
  if (!h->on_data) return;
  if (i > 0 && off > 0) h->on_data(c, c->sio_peek, (size_t)off, 0);
  h->on_data(c, p, n, off);
}

void pr_on_message(conn_t *c, uint64_t len, int opcode, int rsv1) {
  int kind = c->sio_kind;
  c->sio_kind = K_UNKNOWN;
  c->sio_npeek = 0;
  if (kind == K_EVENT || (kind == K_UNKNOWN && len < 2)) {
    /* a one-byte message cannot be a JSON string: let the mode's check reject it */
    if (kind == K_UNKNOWN && len == 1 && c->loop->h->on_data) c->loop->h->on_data(c, c->pr_ctl, 1, 0);
    if (c->loop->h->on_message) c->loop->h->on_message(c, len, opcode, rsv1);
    return;
  }
  size_t n = c->pr_len, lp = sizeof PING - 1;
  if (opcode == 1 && len == n && n > lp + 1 && memcmp(c->pr_ctl, PING, lp) == 0 && c->pr_ctl[n - 1] == '"') {
    uint8_t pong[sizeof c->pr_ctl];
    memcpy(pong, PONG, lp);
    memcpy(pong + lp, c->pr_ctl + lp, n - lp);
    conn_send(c, 1, 0, pong, n, NULL, 0);
  } else if (opcode == 1 && len == sizeof CLOSE - 1 && n == len && memcmp(c->pr_ctl, CLOSE, n) == 0) {
    conn_fail(c, &g_err.closed);
  } else {
    conn_fail(c, &g_err.protocol_errors);
  }
}

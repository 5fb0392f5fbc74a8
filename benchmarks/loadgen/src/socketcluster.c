#include "socketcluster.h"

#include <string.h>

#include "run-errors.h"

static const char HANDSHAKE[] = "{\"event\":\"#handshake\",\"data\":{},\"cid\":1}";
static const char ANSWER[] = "{\"rid\":1,";

void sc_on_upgrade(conn_t *c) {
  c->state = C_SIO_CONNECT;
  conn_send(c, 1, 0, (const uint8_t *)HANDSHAKE, sizeof HANDSHAKE - 1, NULL, 0);
}

void sc_on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off) {
  if (c->state == C_SIO_CONNECT) {
    /* the handshake answer: keep its first bytes to check them */
    if (off == 0) c->pr_len = 0;
    size_t room = sizeof c->pr_ctl - c->pr_len, take = n < room ? n : room;
    memcpy(c->pr_ctl + c->pr_len, p, take);
    c->pr_len += (uint8_t)take;
    return;
  }
  if (c->loop->h->on_data) c->loop->h->on_data(c, p, n, off);
}

void sc_on_message(conn_t *c, uint64_t len, int opcode, int rsv1) {
  if (opcode == 1 && len == 0) { /* ping */
    conn_send(c, 1, 0, NULL, 0, NULL, 0);
    return;
  }
  if (c->state == C_SIO_CONNECT) {
    size_t la = sizeof ANSWER - 1;
    if (opcode == 1 && c->pr_len >= la && memcmp(c->pr_ctl, ANSWER, la) == 0) conn_ready(c);
    else conn_fail(c, &g_err.handshake_errors);
    return;
  }
  if (c->loop->h->on_message) c->loop->h->on_message(c, len, opcode, rsv1);
}

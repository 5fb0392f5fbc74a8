#include "socketio.h"

#include "run-errors.h"

enum { K_UNKNOWN = 0, K_EVENT, K_CONTROL };

/* The first two bytes tell an event ("42", the mode's) from Engine.IO / Socket.IO control. */
void sio_on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off) {
  if (off == 0) c->sio_kind = K_UNKNOWN, c->sio_npeek = 0;
  size_t i = 0;
  while (c->sio_kind == K_UNKNOWN && i < n) {
    c->sio_peek[c->sio_npeek++] = p[i++];
    if (c->sio_npeek == 2) c->sio_kind = c->sio_peek[0] == '4' && c->sio_peek[1] == '2' ? K_EVENT : K_CONTROL;
  }
  if (c->sio_kind != K_EVENT) return;
  const conn_handlers_t *h = c->loop->h;
  if (!h->on_data) return;
  /* classified in this call but the message began in an earlier one: hand its first byte over */
  if (i > 0 && off > 0) h->on_data(c, c->sio_peek, (size_t)off, 0);
  h->on_data(c, p, n, off);
}

void sio_on_message(conn_t *c, uint64_t len, int opcode, int rsv1) {
  int kind = c->sio_kind;
  c->sio_kind = K_UNKNOWN;
  c->sio_npeek = 0;
  if (kind == K_EVENT) {
    if (c->state != C_OPEN) { conn_fail(c, &g_err.protocol_errors); return; } /* event before connect */
    if (c->loop->h->on_message) c->loop->h->on_message(c, len, opcode, rsv1);
    return;
  }
  if (opcode != 1 || len == 0) { conn_fail(c, &g_err.protocol_errors); return; } /* attachments: not used */
  uint8_t a = c->sio_peek[0], b = len > 1 ? c->sio_peek[1] : 0;
  if (a == '2' && len == 1) { /* Engine.IO ping */
    conn_send(c, 1, 0, (const uint8_t *)"3", 1, NULL, 0);
  } else if (a == '0' && c->state == C_SIO_CONNECT) { /* Engine.IO open */
    conn_send(c, 1, 0, (const uint8_t *)"40", 2, NULL, 0);
  } else if (a == '4' && b == '0' && c->state == C_SIO_CONNECT) { /* connect acknowledged */
    conn_ready(c);
  } else if (a != '6') { /* 6 = noop; anything else (1 close, 41 disconnect, 44 error) ends it */
    conn_fail(c, c->state == C_OPEN ? &g_err.protocol_errors : &g_err.handshake_errors);
  }
}

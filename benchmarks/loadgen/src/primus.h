/*
 * Primus 8 with its json parser on a plain WebSocket (GET /primus, no handshake of its own: the
 * connection is open for the mode at the 101):
 *
 *   both ways  "<payload>"                    a JSON string: the mode's messages
 *   server     "primus::ping::<ms>"           heartbeat (every pingInterval, 30 s by default),
 *   client     "primus::pong::<ms>"           answered here; an unanswered one ends the spark
 *   server     "primus::server::close"        the server ended the spark: a failure
 *
 * ws-client.c routes every message of a Primus loop through these two functions. Messages are
 * told apart by their first two bytes: "p starts a control message, anything else is the mode's
 * (whose payloads start with a hex digit, see payload.h).
 */
#ifndef LG_PRIMUS_H
#define LG_PRIMUS_H
#include "ws-client.h"

void pr_on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off);
void pr_on_message(conn_t *c, uint64_t len, int opcode, int rsv1);

#endif

/*
 * SocketCluster (socketcluster-server 20, protocol version 2, JSON codec) on a plain WebSocket
 * (GET /socketcluster/):
 *
 *   client: {"event":"#handshake","data":{},"cid":1}    sent at the 101
 *   server: {"rid":1,"data":{"id":...}}                  handshake answered: the mode's on_open
 *   then    {"event":"echo","data":"<payload>"}          transmitted events both ways
 *   server: (empty message)  client: (empty message)     ping / pong, answered here
 *
 * ws-client.c routes every message of a SocketCluster loop through these two functions. An
 * empty text message is a ping; before the handshake answer any other message is that answer
 * (it must start with {"rid":1); after it, every non-empty message is the mode's, which checks
 * its bytes (a message of another shape fails that check).
 */
#ifndef LG_SOCKETCLUSTER_H
#define LG_SOCKETCLUSTER_H
#include "ws-client.h"

/* Sends the handshake request; the connection stays in C_SIO_CONNECT until it is answered. */
void sc_on_upgrade(conn_t *c);
void sc_on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off);
void sc_on_message(conn_t *c, uint64_t len, int opcode, int rsv1);

#endif

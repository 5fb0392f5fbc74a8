/*
 * Socket.IO v5 over Engine.IO v4 on a plain WebSocket (the "websocket" transport from the first
 * request: GET /socket.io/?EIO=4&transport=websocket, no HTTP long-polling upgrade):
 *
 *   server: 0{"sid":...,"pingInterval":...}   Engine.IO open
 *   client: 40                                 Socket.IO connect to the main namespace
 *   server: 40{"sid":...}                      connect acknowledged: the mode's on_open
 *   then    42[...] text messages both ways    Socket.IO events: the mode's on_data/on_message
 *   server: 2   client: 3                      Engine.IO ping / pong, answered here
 *
 * ws-client.c routes every message of a Socket.IO loop through these two functions. Anything
 * else (disconnect, connect error, binary attachments) is a protocol error.
 */
#ifndef LG_SOCKETIO_H
#define LG_SOCKETIO_H
#include "ws-client.h"

void sio_on_data(conn_t *c, const uint8_t *p, size_t n, uint64_t off);
void sio_on_message(conn_t *c, uint64_t len, int opcode, int rsv1);

#endif

/*
 * What echo, large and fanout send, so that a reply can be checked: a per-message prefix
 * (sequence number and connection id) and a fixed body pattern.
 *
 * Binary (WebSocket binary messages): a 16-byte prefix (sequence number and id, little-endian,
 * then "UWSB"); a message shorter than 16 bytes carries the first `size` bytes of it.
 * Socket.IO: the text message 42["echo","<payload>"], where <payload> is `size` JSON-safe
 * characters: 12 hex digits of the sequence number and 4 of the id (truncated likewise), then
 * letters. The framing (42["echo"," and "]) adds 13 bytes to every message; Socket.IO echoes
 * it byte for byte, so the reply is checked against the same bytes.
 */
#ifndef LG_PAYLOAD_H
#define LG_PAYLOAD_H
#include <stddef.h>
#include <stdint.h>

#define PREFIX_LEN 16 /* per-message part */
#define PREFIX_MAX 48 /* constant head (SocketCluster: 24 bytes) + per-message part */

typedef struct {
  size_t size;      /* payload bytes (Socket.IO: characters of the string) */
  size_t len;       /* message bytes: prefix (plen) then body (blen) */
  size_t plen, blen;
  size_t hlen;      /* constant head before the per-message part (Socket.IO framing) */
  int text, opcode; /* text: hex prefix, letters body; opcode: WebSocket opcode to send */
  uint8_t head[PREFIX_MAX];
  uint8_t *body;    /* blen bytes, the body pattern then the constant tail */
} payload_t;

void payload_init(payload_t *pl, size_t size);
void payload_init_socketio(payload_t *pl, size_t size);
/* Primus (json parser): the text message "<payload>", a JSON string of `size` characters
   (the same characters as Socket.IO's); the quotes add 2 bytes. */
void payload_init_primus(payload_t *pl, size_t size);
/* SocketCluster: the text message {"event":"echo","data":"<payload>"} (26 bytes of framing). */
void payload_init_socketcluster(payload_t *pl, size_t size);
/* Writes the plen prefix bytes of message seq from connection/stream id. */
void payload_prefix(const payload_t *pl, uint8_t out[PREFIX_MAX], uint64_t seq, uint32_t id);
/* Checks bytes [off, off+n) of message seq from connection/stream id; full = also the body. */
int payload_check(const payload_t *pl, uint64_t seq, uint32_t id, const uint8_t *p, size_t n, uint64_t off, int full);

#endif

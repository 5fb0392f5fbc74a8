/*
 * What echo, large and fanout send, so that a reply can be checked: a 16-byte prefix
 * (sequence number and connection id, little-endian, then "UWSB") and a fixed body pattern.
 * A message shorter than 16 bytes carries the first `size` bytes of the prefix.
 */
#ifndef LG_PAYLOAD_H
#define LG_PAYLOAD_H
#include <stddef.h>
#include <stdint.h>

#define PREFIX_LEN 16

typedef struct {
  size_t size, plen, blen;
  uint8_t *body; /* blen bytes */
} payload_t;

void payload_init(payload_t *pl, size_t size);
void payload_prefix(uint8_t out[PREFIX_LEN], uint64_t seq, uint32_t id);
/* Checks bytes [off, off+n) of message seq from connection/stream id; full = also the body. */
int payload_check(const payload_t *pl, uint64_t seq, uint32_t id, const uint8_t *p, size_t n, uint64_t off, int full);

#endif

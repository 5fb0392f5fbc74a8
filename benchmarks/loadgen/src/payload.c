#include "payload.h"

#include <string.h>

#include "util.h"

void payload_init(payload_t *pl, size_t size) {
  pl->size = size;
  pl->plen = size < PREFIX_LEN ? size : PREFIX_LEN;
  pl->blen = size - pl->plen;
  pl->body = xrealloc(NULL, pl->blen ? pl->blen : 1);
  for (size_t i = 0; i < pl->blen; i++) pl->body[i] = (uint8_t)((i * 7 + 13) % 251);
}

void payload_prefix(uint8_t out[PREFIX_LEN], uint64_t seq, uint32_t id) {
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(seq >> (8 * i));
  for (int i = 0; i < 4; i++) out[8 + i] = (uint8_t)(id >> (8 * i));
  memcpy(out + 12, "UWSB", 4);
}

int payload_check(const payload_t *pl, uint64_t seq, uint32_t id, const uint8_t *p, size_t n, uint64_t off, int full) {
  if (off + n > pl->size) return 0;
  if (off < pl->plen) {
    uint8_t pre[PREFIX_LEN];
    payload_prefix(pre, seq, id);
    size_t k = pl->plen - (size_t)off;
    if (k > n) k = n;
    if (memcmp(p, pre + off, k) != 0) return 0;
    p += k;
    n -= k;
    off += k;
  }
  if (n && full && memcmp(p, pl->body + (off - pl->plen), n) != 0) return 0;
  return 1;
}

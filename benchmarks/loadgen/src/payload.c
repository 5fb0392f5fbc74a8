#include "payload.h"

#include <string.h>

#include "fatal.h"

static const char SIO_HEAD[] = "42[\"echo\",\"";
static const char SIO_TAIL[] = "\"]";

void payload_init(payload_t *pl, size_t size) {
  memset(pl, 0, sizeof *pl);
  pl->size = pl->len = size;
  pl->opcode = 2;
  pl->plen = size < PREFIX_LEN ? size : PREFIX_LEN;
  pl->blen = size - pl->plen;
  pl->body = xrealloc(NULL, pl->blen ? pl->blen : 1);
  for (size_t i = 0; i < pl->blen; i++) pl->body[i] = (uint8_t)((i * 7 + 13) % 251);
}

/* A text payload: head, `size` JSON-safe characters (hex prefix, then letters), tail. */
static void payload_init_text(payload_t *pl, size_t size, const char *head, const char *tail) {
  memset(pl, 0, sizeof *pl);
  size_t hl = strlen(head), tl = strlen(tail);
  if (hl + PREFIX_LEN > PREFIX_MAX) die("payload head of %zu bytes: raise PREFIX_MAX", hl);
  size_t per = size < PREFIX_LEN ? size : PREFIX_LEN;
  pl->size = size;
  pl->len = hl + size + tl;
  pl->text = 1;
  pl->opcode = 1;
  pl->hlen = hl;
  memcpy(pl->head, head, hl);
  pl->plen = hl + per;
  pl->blen = size - per + tl;
  pl->body = xrealloc(NULL, pl->blen);
  for (size_t i = 0; i < size - per; i++) pl->body[i] = (uint8_t)('a' + (i * 7 + 13) % 26);
  memcpy(pl->body + (size - per), tail, tl);
}

void payload_init_socketio(payload_t *pl, size_t size) { payload_init_text(pl, size, SIO_HEAD, SIO_TAIL); }

void payload_init_primus(payload_t *pl, size_t size) { payload_init_text(pl, size, "\"", "\""); }

void payload_init_socketcluster(payload_t *pl, size_t size) {
  payload_init_text(pl, size, "{\"event\":\"echo\",\"data\":\"", "\"}");
}

void payload_prefix(const payload_t *pl, uint8_t out[PREFIX_MAX], uint64_t seq, uint32_t id) {
  uint8_t per[PREFIX_LEN];
  if (pl->text) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 12; i++) per[i] = (uint8_t)hex[(seq >> (4 * (11 - i))) & 15];
    for (int i = 0; i < 4; i++) per[12 + i] = (uint8_t)hex[(id >> (4 * (3 - i))) & 15];
  } else {
    for (int i = 0; i < 8; i++) per[i] = (uint8_t)(seq >> (8 * i));
    for (int i = 0; i < 4; i++) per[8 + i] = (uint8_t)(id >> (8 * i));
    memcpy(per + 12, "UWSB", 4);
  }
  memcpy(out, pl->head, pl->hlen);
  memcpy(out + pl->hlen, per, pl->plen - pl->hlen);
}

int payload_check(const payload_t *pl, uint64_t seq, uint32_t id, const uint8_t *p, size_t n, uint64_t off, int full) {
  if (off + n > pl->len) return 0;
  if (off < pl->plen) {
    uint8_t pre[PREFIX_MAX];
    payload_prefix(pl, pre, seq, id);
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

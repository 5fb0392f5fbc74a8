#include "accept-key.h"

#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "sha1.h"

static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void ws_accept_key(const char *key, size_t keylen, char out[29]) {
  char buf[128];
  if (keylen > sizeof buf - (sizeof GUID - 1)) keylen = sizeof buf - (sizeof GUID - 1);
  memcpy(buf, key, keylen);
  memcpy(buf + keylen, GUID, sizeof GUID - 1);
  uint8_t digest[20];
  sha1(buf, keylen + sizeof GUID - 1, digest);
  base64_encode(digest, 20, out);
}

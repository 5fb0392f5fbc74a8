/* SHA-1 (FIPS 180-4), only for the WebSocket accept key. */
#ifndef LG_SHA1_H
#define LG_SHA1_H
#include <stddef.h>
#include <stdint.h>

void sha1(const void *data, size_t len, uint8_t out[20]);

#endif

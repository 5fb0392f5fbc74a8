/* Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (RFC 6455 section 4.2.2). */
#ifndef LG_ACCEPT_KEY_H
#define LG_ACCEPT_KEY_H
#include <stddef.h>

/* key: the Sec-WebSocket-Key value (keylen bytes); out: at least 29 bytes. */
void ws_accept_key(const char *key, size_t keylen, char out[29]);

#endif

/* Base64 encoding (RFC 4648, with padding). */
#ifndef LG_BASE64_H
#define LG_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Writes 4*ceil(len/3) characters and a NUL to out; returns the character count. */
size_t base64_encode(const uint8_t *in, size_t len, char *out);

#endif

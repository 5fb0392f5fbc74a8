/*
 * TLS for the load generator's connections (built only into bin/loadgen-tls, -DLG_TLS): a
 * client SSL per connection on its fd, no certificate verification (loopback benchmarks with a
 * test-only certificate), no session resumption, so every connect is a full handshake.
 * Reads and writes return like read(2)/write(2): > 0, 0 at EOF, -1 with errno (EAGAIN when
 * OpenSSL waits for the socket).
 */
#ifndef LG_TLS_IO_H
#define LG_TLS_IO_H
#include <stddef.h>
#include <sys/types.h>

/* Turns TLS on for every connection made afterwards; dies if this binary was built without it. */
void tls_enable(void);
int tls_enabled(void);
/* New client session on fd (NULL on failure). */
void *tls_new(int fd);
void tls_free(void *ssl);
/* 1 done, 0 in progress (*want_write: wait for EPOLLOUT), -1 failed. */
int tls_handshake(void *ssl, int *want_write);
ssize_t tls_read(void *ssl, void *buf, size_t len);
ssize_t tls_write(void *ssl, const void *buf, size_t len);

#endif

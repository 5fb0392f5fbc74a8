#include "tls-io.h"

#include <errno.h>

#include "fatal.h"

#ifdef LG_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>

static SSL_CTX *ctx;

void tls_enable(void) {
  ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) die("SSL_CTX_new failed");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  static const unsigned char alpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
}

int tls_enabled(void) { return ctx != NULL; }

void *tls_new(int fd) {
  SSL *ssl = SSL_new(ctx);
  if (!ssl) return NULL;
  SSL_set_fd(ssl, fd);
  SSL_set_connect_state(ssl);
  SSL_set_tlsext_host_name(ssl, "localhost");
  return ssl;
}

void tls_free(void *ssl) { SSL_free(ssl); }

/* errno from an SSL result: EAGAIN while waiting for the socket, EPIPE/ECONNRESET otherwise. */
static ssize_t answer(SSL *ssl, int r, int *want_write) {
  int e = SSL_get_error(ssl, r);
  ERR_clear_error();
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    if (want_write) *want_write = e == SSL_ERROR_WANT_WRITE;
    errno = EAGAIN;
    return -1;
  }
  if (e == SSL_ERROR_ZERO_RETURN) return 0;
  if (e == SSL_ERROR_SYSCALL && errno == 0) return 0;
  if (errno == 0 || errno == EAGAIN) errno = ECONNRESET;
  return -1;
}

int tls_handshake(void *p, int *want_write) {
  SSL *ssl = p;
  int r = SSL_do_handshake(ssl);
  if (r == 1) return 1;
  ssize_t a = answer(ssl, r, want_write);
  return a < 0 && errno == EAGAIN ? 0 : -1;
}

ssize_t tls_read(void *p, void *buf, size_t len) {
  SSL *ssl = p;
  int r = SSL_read(ssl, buf, len > 1u << 30 ? 1 << 30 : (int)len);
  return r > 0 ? r : answer(ssl, r, NULL);
}

ssize_t tls_write(void *p, const void *buf, size_t len) {
  SSL *ssl = p;
  int r = SSL_write(ssl, buf, len > 1u << 30 ? 1 << 30 : (int)len);
  return r > 0 ? r : answer(ssl, r, NULL);
}

#else

void tls_enable(void) { die("this loadgen was built without TLS: use bin/loadgen-tls"); }
int tls_enabled(void) { return 0; }
void *tls_new(int fd) { (void)fd; return NULL; }
void tls_free(void *ssl) { (void)ssl; }
int tls_handshake(void *ssl, int *want_write) { (void)ssl; (void)want_write; return -1; }
ssize_t tls_read(void *ssl, void *buf, size_t len) { (void)ssl; (void)buf; (void)len; errno = ENOTSUP; return -1; }
ssize_t tls_write(void *ssl, const void *buf, size_t len) { (void)ssl; (void)buf; (void)len; errno = ENOTSUP; return -1; }

#endif

#include "tls-session.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "tls-context.h"
#include "tls-socket-bio.h"

namespace uws {

namespace {

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

int clampLen(size_t len) { return len > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(len); }

// SSL_get_error reads the thread's error queue, so it must hold nothing stale before a call.
// Our failure paths leave it empty, so clearing (16 slots, every read and write) is rarely
// needed: peeking is the cheap test for what some other code on this thread left behind.
void clearStaleErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

std::unique_ptr<TlsSession> TlsSession::create(std::shared_ptr<TlsContext> context, int fd, bool server,
                                               const std::string& serverName, const std::string& sessionKey) {
  ERR_clear_error();
  SSL* ssl = SSL_new(context->ctx());
  if (ssl == nullptr) return nullptr;
  bool release = context->releasesBuffers();
  std::unique_ptr<TlsSession> session(new TlsSession(std::move(context), ssl, server, release));
  BIO* bio = newSocketBio(fd);
  if (bio == nullptr) return nullptr;
  SSL_set_bio(ssl, bio, bio);  // the SSL owns it now
  SSL_set_read_ahead(ssl, 1);
  SSL_set_app_data(ssl, session.get());
  if (server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
    ClientSessionCache* cache = session->context().clientSessions();
    if (cache != nullptr && !sessionKey.empty()) {
      session->sessionKey_ = sessionKey;
      if (SSL_SESSION* cached = cache->acquire(sessionKey)) {
        SSL_set_session(ssl, cached);  // takes its own reference
        SSL_SESSION_free(cached);
      }
    }
    if (!serverName.empty()) {
      // The name to verify the certificate against; SNI only for names (RFC 6066: no literals).
      if (isIpLiteral(serverName)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, serverName.c_str());
        SSL_set1_host(ssl, serverName.c_str());
      }
    }
  }
  ERR_clear_error();
  return session;
}

TlsSession::~TlsSession() {
  SSL_set_app_data(ssl_, nullptr);
  SSL_free(ssl_);
}

TlsStep TlsSession::handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    long verify = SSL_get_verify_result(ssl_);
    if (!server_ && verify != X509_V_OK && context_->verifiesPeerAfterHandshake()) {
      error_ = X509_verify_cert_error_string(verify);
      errorErrno_ = EPROTO;
      return TlsStep::kFailed;
    }
    return TlsStep::kDone;
  }
  TlsStep step = failure(r, "handshake");
  // An EOF before the handshake completed is a failure, not an orderly close.
  if (step == TlsStep::kClosed) {
    error_ = "the peer closed the connection during the TLS handshake";
    errorErrno_ = ECONNRESET;
    return TlsStep::kFailed;
  }
  return step;
}

TlsStep TlsSession::read(uint8_t* buf, size_t len, size_t* n) {
  clearStaleErrors();
  int r = SSL_read(ssl_, buf, clampLen(len));
  if (r > 0) {
    *n = static_cast<size_t>(r);
    return TlsStep::kDone;
  }
  *n = 0;
  return failure(r, "read");
}

TlsStep TlsSession::write(const uint8_t* data, size_t len, size_t* n) {
  clearStaleErrors();
  int r = SSL_write(ssl_, data, clampLen(len));
  if (r > 0) {
    *n = static_cast<size_t>(r);
    return TlsStep::kDone;
  }
  *n = 0;
  return failure(r, "write");
}

void TlsSession::shutdown() {
  ERR_clear_error();
  if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  ERR_clear_error();
}

TlsStep TlsSession::failure(int ret, const char* during) {
  int saved = errno;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      return TlsStep::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return TlsStep::kWantWrite;
    case SSL_ERROR_WANT_CLIENT_HELLO_CB:
      return TlsStep::kWantName;
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return TlsStep::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0 && (ret == 0 || saved == 0)) return TlsStep::kClosed;  // bare EOF
      if (saved == EAGAIN || saved == EINTR) return TlsStep::kWantRead;
      errorErrno_ = saved != 0 ? saved : EPROTO;
      error_ = std::string(during) + ": " + (saved != 0 ? std::strerror(saved) : takeOpenSslError());
      ERR_clear_error();
      return TlsStep::kFailed;
    default: {
      long verify = SSL_get_verify_result(ssl_);
      errorErrno_ = EPROTO;
      if (verify != X509_V_OK && !SSL_is_init_finished(ssl_)) {
        error_ = X509_verify_cert_error_string(verify);
        ERR_clear_error();
      } else {
        error_ = takeOpenSslError();
        if (error_.empty()) error_ = std::string("TLS ") + during + " failed";
      }
      return TlsStep::kFailed;
    }
  }
}

std::string TlsSession::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &data, &len);
  return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), len);
}

bool TlsSession::hasPeerCertificate() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return false;
  X509_free(cert);
  return true;
}

}  // namespace uws

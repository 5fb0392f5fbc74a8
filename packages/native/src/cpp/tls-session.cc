#include "tls-session.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "tls-context.h"
#include "tls-socket-bio.h"
#include "tls13-key-schedule.h"

namespace uws {

// What a server session collects during its handshake to take over the records afterwards:
// both application traffic secrets (from the key log) and how many records OpenSSL wrote
// under the server's (the session tickets), which is where our write sequence starts.
struct HandshakeSecrets {
  uint8_t client[kMaxTrafficSecret] = {0};
  uint8_t server[kMaxTrafficSecret] = {0};
  size_t clientLength = 0;
  size_t serverLength = 0;
  bool serverKeysInstalled = false;
  uint64_t recordsWritten = 0;

  HandshakeSecrets() = default;
  HandshakeSecrets(const HandshakeSecrets&) = delete;
  HandshakeSecrets& operator=(const HandshakeSecrets&) = delete;
  ~HandshakeSecrets() {
    OPENSSL_cleanse(client, sizeof(client));
    OPENSSL_cleanse(server, sizeof(server));
  }
};

namespace {

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

int clampLen(size_t len) { return len > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(len); }

// Every record header OpenSSL writes, in the order it seals them.
void onProtocolMessage(int writing, int, int contentType, const void*, size_t, SSL* ssl, void*) {
  if (writing != 1 || contentType != SSL3_RT_HEADER) return;
  auto* session = static_cast<TlsSession*>(SSL_get_app_data(ssl));
  if (session != nullptr) session->noteRecordWritten();
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "<label> <client random> <secret>" in hex: the secret's bytes, or 0 when malformed.
size_t parseSecret(const char* line, size_t labelLength, uint8_t* out) {
  const char* random = line + labelLength;
  const char* hex = std::strchr(random, ' ');
  if (hex == nullptr) return 0;
  ++hex;
  size_t digits = std::strlen(hex);
  if (digits == 0 || digits % 2 != 0 || digits / 2 > kMaxTrafficSecret) return 0;
  for (size_t i = 0; i < digits / 2; i++) {
    int hi = hexDigit(hex[2 * i]);
    int lo = hexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return 0;
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return digits / 2;
}

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
  session->fd_ = fd;
  SSL_set_app_data(ssl, session.get());
  if (server && session->context().ownsRecords()) {
    // To take the records over, OpenSSL must not read past the client's Finished: no
    // read-ahead during the handshake (it comes back on if OpenSSL keeps the records).
    session->secrets_ = std::make_unique<HandshakeSecrets>();
    SSL_set_msg_callback(ssl, onProtocolMessage);
    SSL_set_read_ahead(ssl, 0);
  } else {
    SSL_set_read_ahead(ssl, 1);
  }
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

TlsSession::TlsSession(std::shared_ptr<TlsContext> context, SSL* ssl, bool server, bool releaseBuffers)
    : context_(std::move(context)), ssl_(ssl), server_(server), releaseBuffers_(releaseBuffers) {}

TlsSession::~TlsSession() {
  if (ssl_ == nullptr) return;
  SSL_set_app_data(ssl_, nullptr);
  SSL_free(ssl_);
}

void TlsSession::noteSecret(const char* line) {
  if (!secrets_) return;
  static const char kClient[] = "CLIENT_TRAFFIC_SECRET_0 ";
  static const char kServer[] = "SERVER_TRAFFIC_SECRET_0 ";
  if (std::strncmp(line, kClient, sizeof(kClient) - 1) == 0) {
    secrets_->clientLength = parseSecret(line, sizeof(kClient) - 1, secrets_->client);
  } else if (std::strncmp(line, kServer, sizeof(kServer) - 1) == 0) {
    secrets_->serverLength = parseSecret(line, sizeof(kServer) - 1, secrets_->server);
    // OpenSSL installs the server's application keys right after sealing its Finished: the
    // records it seals from here on (the tickets) use them.
    secrets_->serverKeysInstalled = true;
    secrets_->recordsWritten = 0;
  }
}

void TlsSession::noteRecordWritten() {
  if (secrets_ && secrets_->serverKeysInstalled) ++secrets_->recordsWritten;
}

void TlsSession::takeOverRecords() {
  std::unique_ptr<HandshakeSecrets> secrets = std::move(secrets_);
  SSL_set_msg_callback(ssl_, nullptr);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
  const Tls13Suite* suite = SSL_version(ssl_) == TLS1_3_VERSION && cipher != nullptr
                                ? findTls13Suite(SSL_CIPHER_get_id(cipher))
                                : nullptr;
  auto records = suite != nullptr ? std::make_unique<TlsRecordLayer>(*suite, fd_) : nullptr;
  bool ready = records && secrets->clientLength == suite->hashLength && secrets->serverLength == suite->hashLength &&
               SSL_has_pending(ssl_) == 0 && installTrafficSecret(*suite, secrets->client, &records->readKeys()) &&
               installTrafficSecret(*suite, secrets->server, &records->writeKeys());
  if (!ready) {
    // TLS 1.2, a CCM suite, or anything unexpected: OpenSSL keeps the records.
    SSL_set_read_ahead(ssl_, 1);
    return;
  }
  records->writeKeys().sequence = secrets->recordsWritten;
  alpn_ = alpn();
  verifyResult_ = SSL_get_verify_result(ssl_);
  peerCertificate_ = hasPeerCertificate();
  resumed_ = SSL_session_reused(ssl_) == 1;
  SSL_set_app_data(ssl_, nullptr);
  SSL_free(ssl_);
  ssl_ = nullptr;
  records_ = std::move(records);
}

bool TlsSession::releaseIdleBuffers() {
  if (!releaseBuffers_) return true;
  if (records_) return records_->releaseIdle();
  return !hasBuffered() && SSL_free_buffers(ssl_) == 1;
}

TlsStep TlsSession::recordFailure(TlsStep step) {
  if (step != TlsStep::kFailed) return step;
  error_ = records_->error();
  if (records_->peerAlert() >= 0) error_ += std::string(": ") + SSL_alert_desc_string_long(records_->peerAlert());
  errorErrno_ = records_->errorErrno() != 0 ? records_->errorErrno() : EPROTO;
  return step;
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
    if (secrets_) takeOverRecords();
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
  if (records_) return recordFailure(records_->read(buf, len, n));
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
  if (records_) return recordFailure(records_->write(data, len, n));
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
  if (records_) {
    records_->shutdown();
    return;
  }
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
  if (records_) return alpn_;
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &data, &len);
  return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), len);
}

bool TlsSession::hasPeerCertificate() const {
  if (records_) return peerCertificate_;
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return false;
  X509_free(cert);
  return true;
}

}  // namespace uws

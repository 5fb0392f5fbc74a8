// One connection's TLS state: an SSL object reading and writing the socket fd directly
// (our recv/send BIO with read-ahead, so one recv(2) fills its record buffer). The loop
// drives it; this class only maps OpenSSL's answers to what the loop needs to do next.
// A TLS 1.3 server session whose context allows it hands its records to a TlsRecordLayer once
// the handshake is done and frees the SSL; what the loop and JS ask of it afterwards (ALPN,
// the verify result, ...) was noted at that moment.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "tls-record-layer.h"
#include "tls-step.h"

namespace uws {

class TlsContext;
struct HandshakeSecrets;

class TlsSession {
 public:
  // nullptr when OpenSSL cannot make the session (out of memory).
  // A client resumes the session its context cached under `sessionKey` (the server's address
  // and name), and caches the sessions it receives there.
  static std::unique_ptr<TlsSession> create(std::shared_ptr<TlsContext> context, int fd, bool server,
                                            const std::string& serverName, const std::string& sessionKey = "");
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  TlsStep handshake();
  // Plaintext into `buf`; `*n` bytes on kDone.
  TlsStep read(uint8_t* buf, size_t len, size_t* n);
  // Plaintext from `data`; `*n` bytes taken on kDone (maybe fewer than `len`).
  TlsStep write(const uint8_t* data, size_t len, size_t* n);
  // Sends close_notify, best effort (a full socket buffer just skips it).
  void shutdown();
  // Decrypted bytes (or a whole record) waiting inside OpenSSL, that epoll cannot report.
  bool hasBuffered() const { return records_ ? records_->hasBuffered() : SSL_has_pending(ssl_) == 1; }
  // Frees OpenSSL's record buffers (or our AEAD contexts) when they hold nothing (and the
  // context asked for it); false while they still hold bytes.
  bool releaseIdleBuffers();
  bool releasesBuffers() const { return releaseBuffers_; }
  // The records are ours (the SSL is gone).
  bool ownsRecords() const { return records_ != nullptr; }

  bool server() const { return server_; }
  TlsContext& context() const { return *context_; }
  const std::string& error() const { return error_; }
  int errorErrno() const { return errorErrno_; }
  std::string alpn() const;
  long verifyResult() const { return records_ ? verifyResult_ : SSL_get_verify_result(ssl_); }
  bool hasPeerCertificate() const;
  bool resumed() const { return records_ ? resumed_ : SSL_session_reused(ssl_) == 1; }
  const std::string& sessionKey() const { return sessionKey_; }

  // OpenSSL's callbacks during the handshake (server sessions that will own their records).
  void noteSecret(const char* keylogLine);
  void noteRecordWritten();

  // Set by the ClientHello callback (server side).
  std::string serverName;
  bool askedForName = false;
  // The loop's bookkeeping of the record buffers: listed as possibly holding them, moved
  // bytes since the last sweep, and reads/writes counted within the current tick.
  bool holdingListed = false;
  bool busy = false;
  uint8_t trafficCount = 0;
  uint32_t trafficTick = 0;

 private:
  TlsSession(std::shared_ptr<TlsContext> context, SSL* ssl, bool server, bool releaseBuffers);
  TlsStep failure(int ret, const char* during);
  TlsStep recordFailure(TlsStep step);
  // After the handshake: our own record layer when the connection allows it, else OpenSSL's.
  void takeOverRecords();

  std::shared_ptr<TlsContext> context_;  // keeps the SSL_CTX callbacks' argument alive
  SSL* ssl_;  // nullptr once the records are ours
  int fd_ = -1;
  std::unique_ptr<HandshakeSecrets> secrets_;
  std::unique_ptr<TlsRecordLayer> records_;
  std::string alpn_;  // noted when the SSL goes
  long verifyResult_ = X509_V_OK;
  bool peerCertificate_ = false;
  bool resumed_ = false;
  bool server_;
  bool releaseBuffers_;
  std::string sessionKey_;
  std::string error_;
  int errorErrno_ = 0;
};

}  // namespace uws

// One connection's TLS state: an SSL object reading and writing the socket fd directly
// (our recv/send BIO with read-ahead, so one recv(2) fills its record buffer). The loop
// drives it; this class only maps OpenSSL's answers to what the loop needs to do next.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

namespace uws {

class TlsContext;

enum class TlsStep {
  kDone,        // handshake finished / bytes moved
  kWantRead,    // wait for EPOLLIN
  kWantWrite,   // wait for EPOLLOUT
  kWantName,    // ClientHello suspended: JS is asked about an unknown server name
  kClosed,      // the peer closed (close_notify or EOF)
  kFailed,      // protocol or I/O error; see error()
};

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
  bool hasBuffered() const { return SSL_has_pending(ssl_) == 1; }
  // Frees OpenSSL's record buffers when they hold nothing (and the context asked for it);
  // false while they still hold bytes.
  bool releaseIdleBuffers() { return !releaseBuffers_ || (!hasBuffered() && SSL_free_buffers(ssl_) == 1); }
  bool releasesBuffers() const { return releaseBuffers_; }

  bool server() const { return server_; }
  TlsContext& context() const { return *context_; }
  const std::string& error() const { return error_; }
  int errorErrno() const { return errorErrno_; }
  std::string alpn() const;
  long verifyResult() const { return SSL_get_verify_result(ssl_); }
  bool hasPeerCertificate() const;
  bool resumed() const { return SSL_session_reused(ssl_) == 1; }
  const std::string& sessionKey() const { return sessionKey_; }

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
  TlsSession(std::shared_ptr<TlsContext> context, SSL* ssl, bool server, bool releaseBuffers)
      : context_(std::move(context)), ssl_(ssl), server_(server), releaseBuffers_(releaseBuffers) {}
  TlsStep failure(int ret, const char* during);

  std::shared_ptr<TlsContext> context_;  // keeps the SSL_CTX callbacks' argument alive
  SSL* ssl_;
  bool server_;
  bool releaseBuffers_;
  std::string sessionKey_;
  std::string error_;
  int errorErrno_ = 0;
};

}  // namespace uws

// A TLS configuration: one SSL_CTX built from PEM options, plus (for servers) the table of
// per-host contexts chosen by SNI. OpenSSL comes from the running `node` binary (its symbols
// are exported; the headers ship with Node), so nothing links a system libssl.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tls-session-cache.h"

namespace uws {

// What JS passes (already normalised: PEM text, never file names).
struct TlsOptions {
  bool isServer = true;
  std::string key;         // PEM private key (server: required; client: for a client certificate)
  std::string cert;        // PEM certificate chain, leaf first
  std::string passphrase;  // for an encrypted key
  std::string ca;          // PEM CA certificates to trust (client: server certs; server: client certs)
  std::string dhParams;    // PEM DH parameters (TLS 1.2 DHE suites); empty: OpenSSL's automatic choice
  std::string ciphers;     // TLS 1.2 cipher list; empty: OpenSSL default
  std::string ciphersuites;  // TLS 1.3 suites; empty: OpenSSL default
  int minVersion = TLS1_2_VERSION;
  std::string alpn;        // wire format (length-prefixed names); empty: no ALPN
  bool requestCert = false;          // server: ask the client for a certificate
  bool rejectUnauthorized = true;    // refuse a peer certificate that does not verify
  bool releaseBuffers = true;        // idle sessions hold no record buffers (see noteTlsTraffic)
  bool ownRecords = true;            // server: TLS 1.3 records are ours after the handshake (TlsRecordLayer)
  bool sessionTickets = true;        // server: issue session tickets (resumption)
  uint32_t ticketCount = 1;          // server: TLS 1.3 tickets sent per handshake (OpenSSL's own: 2)
  uint32_t sessionCacheSize = 1024;  // server: TLS 1.2 sessions kept for id resumption; 0: none
  uint32_t sessionTimeout = 300;     // seconds a cached session or a ticket stays valid
  uint32_t maxCachedSessions = 100;  // client: servers whose latest session is kept; 0: none
  uint32_t handshakeSeconds = 10;    // server: an accepted handshake must complete in time
};

class TlsContext {
 public:
  // nullptr with `*error` set when the options do not make a usable context.
  static std::shared_ptr<TlsContext> create(int id, const TlsOptions& options, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  int id() const { return id_; }
  bool isServer() const { return isServer_; }
  uint32_t handshakeSeconds() const { return handshakeSeconds_; }
  // Client: refuse a peer whose certificate did not verify, once the handshake is done.
  bool verifiesPeerAfterHandshake() const { return verifyAfterHandshake_; }
  SSL_CTX* ctx() const { return ctx_; }
  // Sessions give their record buffers back once idle (the loop decides when).
  bool releasesBuffers() const { return releaseBuffers_; }
  // Server: TLS 1.3 sessions take their records over from OpenSSL after the handshake.
  bool ownsRecords() const { return ownRecords_; }

  // Replaces the certificate & co. for new handshakes; live sessions keep what they had.
  bool update(const TlsOptions& options, std::string* error);
  bool addServerName(const std::string& host, const TlsOptions& options, std::string* error);
  void removeServerName(const std::string& host);
  // With a handler, a ClientHello naming an unknown host is suspended until JS had its say.
  void setMissingServerNameHandler(bool on) { missingHandler_ = on; }
  bool hasMissingServerNameHandler() const { return missingHandler_; }
  // The context for `host` (exact, then `*.suffix` wildcard), or nullptr.
  SSL_CTX* lookup(const std::string& host) const;
  // Client: sessions to resume, or nullptr when resumption is off.
  ClientSessionCache* clientSessions() const { return clientSessions_.get(); }

 private:
  TlsContext(int id, bool isServer) : id_(id), isServer_(isServer) {}
  SSL_CTX* build(const TlsOptions& options, std::string* error);

  int id_;
  bool isServer_;
  bool missingHandler_ = false;
  uint32_t handshakeSeconds_ = 10;
  bool verifyAfterHandshake_ = false;
  bool releaseBuffers_ = true;
  bool ownRecords_ = true;
  SSL_CTX* ctx_ = nullptr;
  std::map<std::string, SSL_CTX*> names_;
  std::unique_ptr<ClientSessionCache> clientSessions_;
};

// The last OpenSSL error as text ("" if none), clearing the thread's error queue.
std::string takeOpenSslError();

}  // namespace uws

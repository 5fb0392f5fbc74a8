#include "tls-context.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

#include "tls-server-name.h"
#include "tls-session.h"

namespace uws {

namespace {

// RAII for the few OpenSSL objects built here.
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr memoryBio(const std::string& pem) { return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// ALPN lists live as long as the process: a callback may still run for a context that a reload
// replaced, so the list it points to must never go away. Distinct lists are few.
const std::string* internAlpn(const std::string& wire) {
  static std::mutex mutex;
  static std::set<std::string> lists;
  std::lock_guard<std::mutex> lock(mutex);
  return &*lists.insert(wire).first;
}

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLen, const unsigned char* in, unsigned int inLen,
               void* arg) {
  auto* ours = static_cast<const std::string*>(arg);
  unsigned char* chosen = nullptr;
  int r = SSL_select_next_proto(&chosen, outLen, reinterpret_cast<const unsigned char*>(ours->data()),
                                static_cast<unsigned int>(ours->size()), in, inLen);
  if (r != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;  // no overlap: carry on without ALPN
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// Server side: picks the context for the requested host before the certificate is chosen.
int onClientHello(SSL* ssl, int* alert, void* arg) {
  auto* context = static_cast<TlsContext*>(arg);
  auto* session = static_cast<TlsSession*>(SSL_get_app_data(ssl));
  const unsigned char* ext = nullptr;
  size_t extLen = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &extLen) != 1) return SSL_CLIENT_HELLO_SUCCESS;
  std::string host = parseServerName(ext, extLen);
  if (host.empty()) return SSL_CLIENT_HELLO_SUCCESS;
  if (session != nullptr) session->serverName = host;
  SSL_CTX* chosen = context->lookup(host);
  if (chosen == nullptr && session != nullptr && context->hasMissingServerNameHandler() && !session->askedForName) {
    // Suspended: the loop reports the name to JS and resumes after the batch.
    session->askedForName = true;
    return SSL_CLIENT_HELLO_RETRY;
  }
  if (chosen != nullptr && SSL_set_SSL_CTX(ssl, chosen) == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Client side: OpenSSL hands over each new session (TLS 1.3: each ticket, after the
// handshake) for the connection's server; returning 1 keeps OpenSSL's reference.
int onNewClientSession(SSL* ssl, SSL_SESSION* session) {
  auto* owner = static_cast<TlsSession*>(SSL_get_app_data(ssl));
  if (owner == nullptr || owner->sessionKey().empty() || SSL_SESSION_is_resumable(session) != 1) return 0;
  ClientSessionCache* cache = owner->context().clientSessions();
  if (cache == nullptr) return 0;
  // A server this client is about to refuse (verified after the handshake) gives no session.
  if (owner->context().verifiesPeerAfterHandshake() && SSL_get_verify_result(ssl) != X509_V_OK) return 0;
  cache->store(owner->sessionKey(), session);
  return 1;
}

// Server: the key log hands a session the traffic secrets it needs to take its records over.
void onKeylog(const SSL* ssl, const char* line) {
  auto* session = static_cast<TlsSession*>(SSL_get_app_data(ssl));
  if (session != nullptr) session->noteSecret(line);
}

// With rejectUnauthorized off the chain is still checked (the result is reported), never refused.
int acceptAnyPeer(int, X509_STORE_CTX*) { return 1; }

bool loadCertChain(SSL_CTX* ctx, const std::string& pem, std::string* error) {
  BioPtr bio = memoryBio(pem);
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    *error = "invalid certificate: " + takeOpenSslError();
    return false;
  }
  for (;;) {
    X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (extra == nullptr) break;
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {  // takes ownership on success
      X509_free(extra);
      *error = "invalid certificate chain: " + takeOpenSslError();
      return false;
    }
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return true;
}

bool loadKey(SSL_CTX* ctx, const std::string& pem, const std::string& passphrase, std::string* error) {
  BioPtr bio = memoryBio(pem);
  // A non-null `u` with the default callback is taken as the passphrase; an empty one must not
  // fall back to prompting on the terminal.
  char empty[1] = {0};
  void* u = passphrase.empty() ? static_cast<void*>(empty) : const_cast<char*>(passphrase.c_str());
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, u));
  if (!key) {
    *error = "invalid private key or wrong passphrase: " + takeOpenSslError();
    return false;
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    *error = "private key does not match the certificate: " + takeOpenSslError();
    return false;
  }
  return true;
}

bool loadCa(SSL_CTX* ctx, const std::string& pem, bool isServer, std::string* error) {
  BioPtr bio = memoryBio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    X509_STORE_add_cert(store, cert.get());
    // A server names the CAs it accepts client certificates from.
    if (isServer) SSL_CTX_add_client_CA(ctx, cert.get());
    ++count;
  }
  ERR_clear_error();
  if (count == 0) {
    *error = "ca: no PEM certificate found";
    return false;
  }
  return true;
}

bool loadDhParams(SSL_CTX* ctx, const std::string& pem, std::string* error) {
  BioPtr bio = memoryBio(pem);
  EVP_PKEY* dh = PEM_read_bio_Parameters(bio.get(), nullptr);
  if (dh == nullptr || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {  // takes ownership on success
    if (dh != nullptr) EVP_PKEY_free(dh);
    *error = "invalid dhParams: " + takeOpenSslError();
    return false;
  }
  return true;
}

}  // namespace

std::string takeOpenSslError() {
  unsigned long code = ERR_peek_last_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

std::shared_ptr<TlsContext> TlsContext::create(int id, const TlsOptions& options, std::string* error) {
  std::shared_ptr<TlsContext> context(new TlsContext(id, options.isServer));
  context->ctx_ = context->build(options, error);
  if (context->ctx_ == nullptr) return nullptr;
  context->handshakeSeconds_ = options.handshakeSeconds;
  context->releaseBuffers_ = options.releaseBuffers;
  context->ownRecords_ = options.isServer && options.ownRecords;
  context->verifyAfterHandshake_ = !options.isServer && options.rejectUnauthorized;
  if (!options.isServer && options.maxCachedSessions > 0) {
    context->clientSessions_ = std::make_unique<ClientSessionCache>(options.maxCachedSessions);
  }
  return context;
}

TlsContext::~TlsContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  for (auto& entry : names_) SSL_CTX_free(entry.second);
}

SSL_CTX* TlsContext::build(const TlsOptions& o, std::string* error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) {
    *error = "SSL_CTX_new failed: " + takeOpenSslError();
    return nullptr;
  }
  auto fail = [ctx]() -> SSL_CTX* {
    SSL_CTX_free(ctx);
    return nullptr;
  };
  if (SSL_CTX_set_min_proto_version(ctx, o.minVersion) != 1) {
    *error = "invalid minimum TLS version";
    return fail();
  }
  // No renegotiation (a CPU sink and an old attack surface), no compression (CRIME); a peer's
  // EOF without close_notify reads as a plain end, like TCP's FIN.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                               (o.isServer ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0) |
                               (o.sessionTickets ? 0 : SSL_OP_NO_TICKET));
  // Without tickets TLS 1.3 would still send stateful ones (ids into the cache): send none.
  // With them, one per handshake by default instead of OpenSSL's two: each ticket costs the
  // handshake a session copy, its encoding, encryption and a record, and a client that
  // reconnects gets a fresh one with every (resumed) handshake.
  SSL_CTX_set_num_tickets(ctx, o.sessionTickets ? o.ticketCount : 0);
  // Partial writes and moving buffers: the loop retries unsent bytes from its own buffer.
  // No SSL_MODE_RELEASE_BUFFERS: it frees and reallocates both ~17 KiB record buffers for
  // every record; the loop frees them itself once a connection is idle (noteTlsTraffic).
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()) != 1) {
    *error = "invalid ciphers: " + takeOpenSslError();
    return fail();
  }
  // A server's own TLS 1.3 preference, unless told otherwise: AES-128-GCM first (as BoringSSL
  // and Go with AES hardware; OpenSSL's own order starts with AES-256-GCM-SHA384, whose key
  // schedule hashes with SHA-384 and whose records take 14 AES rounds instead of 10), and
  // ChaCha20-Poly1305 first for a client that lists it first (one without AES hardware).
  static const char kServerSuites[] = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
  const char* suites = !o.ciphersuites.empty() ? o.ciphersuites.c_str() : o.isServer ? kServerSuites : nullptr;
  if (suites != nullptr && SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
    *error = "invalid TLS 1.3 ciphersuites: " + takeOpenSslError();
    return fail();
  }
  if (o.isServer && o.ciphersuites.empty()) SSL_CTX_set_options(ctx, SSL_OP_PRIORITIZE_CHACHA);
  if (!o.cert.empty() && !loadCertChain(ctx, o.cert, error)) return fail();
  if (!o.key.empty() && !loadKey(ctx, o.key, o.passphrase, error)) return fail();
  if (o.isServer && (o.cert.empty() || o.key.empty())) {
    *error = "a TLS server needs both key and cert";
    return fail();
  }
  if (!o.ca.empty() && !loadCa(ctx, o.ca, o.isServer, error)) return fail();
  if (!o.dhParams.empty()) {
    if (!loadDhParams(ctx, o.dhParams, error)) return fail();
  } else {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  if (o.isServer) {
    // TLS 1.2 clients without tickets resume by session id, from this cache. OpenSSL evicts
    // the oldest session when it is full, and drops expired ones every 255 handshakes, so it
    // holds at most sessionCacheSize sessions (about 1 KiB each, more with client
    // certificates). TLS 1.3's stateless tickets never enter it.
    if (o.sessionCacheSize > 0) {
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
      // OpenSSL 3.0 counts the session being added before it evicts, so it keeps one less.
      SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(o.sessionCacheSize) + 1);
    } else {
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    SSL_CTX_set_timeout(ctx, o.sessionTimeout);
    static const unsigned char kSessionContext[] = "uws";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
    if (o.requestCert) {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (o.rejectUnauthorized ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                         o.rejectUnauthorized ? nullptr : acceptAnyPeer);
    } else {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
    if (!o.alpn.empty()) SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, const_cast<std::string*>(internAlpn(o.alpn)));
    SSL_CTX_set_client_hello_cb(ctx, onClientHello, this);
    // Every server context that takes records over, SNI ones included (after SSL_set_SSL_CTX
    // the chosen one logs). Not otherwise: OpenSSL formats each secret as hex for the log.
    if (o.ownRecords) SSL_CTX_set_keylog_callback(ctx, onKeylog);
  } else {
    if (o.maxCachedSessions > 0) {
      // Sessions go to our per-server cache (see onNewClientSession), not OpenSSL's.
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
      SSL_CTX_sess_set_new_cb(ctx, onNewClientSession);
    } else {
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    // As node:tls does: the whole chain is checked without stopping at the first problem and
    // the session refuses an unverified peer after the handshake, so the verify result (and
    // the error code users see) is the one Node reports for the same certificate.
    SSL_CTX_set_verify(ctx, o.rejectUnauthorized ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, acceptAnyPeer);
    if (!o.alpn.empty() &&
        SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(o.alpn.data()),
                                static_cast<unsigned int>(o.alpn.size())) != 0) {
      *error = "invalid ALPN list";
      return fail();
    }
  }
  return ctx;
}

bool TlsContext::update(const TlsOptions& options, std::string* error) {
  TlsOptions o = options;
  o.isServer = isServer_;
  SSL_CTX* fresh = build(o, error);
  if (fresh == nullptr) return false;
  // The tickets issued so far stay valid: a certificate renewal must not send every returning
  // client through a full handshake. (Tickets are opened with the keys of the context a
  // connection started on, this one, whichever SNI context served it.)
  unsigned char ticketKeys[80];
  if (SSL_CTX_get_tlsext_ticket_keys(ctx_, ticketKeys, sizeof(ticketKeys)) == 1) {
    SSL_CTX_set_tlsext_ticket_keys(fresh, ticketKeys, sizeof(ticketKeys));
  }
  OPENSSL_cleanse(ticketKeys, sizeof(ticketKeys));
  // Sessions hold their own reference to the old context (SSL_CTX is reference-counted).
  SSL_CTX_free(ctx_);
  ctx_ = fresh;
  handshakeSeconds_ = options.handshakeSeconds;
  releaseBuffers_ = options.releaseBuffers;
  ownRecords_ = isServer_ && options.ownRecords;
  return true;
}

bool TlsContext::addServerName(const std::string& host, const TlsOptions& options, std::string* error) {
  if (!isServer_) {
    *error = "server names belong to a server context";
    return false;
  }
  TlsOptions o = options;
  o.isServer = true;
  SSL_CTX* ctx = build(o, error);
  if (ctx == nullptr) return false;
  std::string key = lowerHostName(host);
  auto it = names_.find(key);
  if (it != names_.end()) {
    SSL_CTX_free(it->second);
    it->second = ctx;
  } else {
    names_.emplace(key, ctx);
  }
  return true;
}

void TlsContext::removeServerName(const std::string& host) {
  auto it = names_.find(lowerHostName(host));
  if (it == names_.end()) return;
  SSL_CTX_free(it->second);
  names_.erase(it);
}

SSL_CTX* TlsContext::lookup(const std::string& host) const {
  if (names_.empty()) return nullptr;
  auto it = names_.find(host);
  if (it != names_.end()) return it->second;
  size_t dot = host.find('.');
  if (dot == std::string::npos) return nullptr;
  it = names_.find("*" + host.substr(dot));
  return it != names_.end() ? it->second : nullptr;
}

}  // namespace uws

// Client side: the latest resumable TLS session per server (address, port and SNI name), so
// a reconnect resumes instead of a full handshake. Bounded: storing into a full cache evicts
// the entry stored longest ago.
#pragma once
#include <openssl/ssl.h>

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace uws {

class ClientSessionCache {
 public:
  explicit ClientSessionCache(size_t capacity) : capacity_(capacity) {}
  ~ClientSessionCache();
  ClientSessionCache(const ClientSessionCache&) = delete;
  ClientSessionCache& operator=(const ClientSessionCache&) = delete;

  // Takes over the caller's reference to `session`, replacing what `key` held.
  void store(const std::string& key, SSL_SESSION* session);
  // A session for `key` (a reference the caller frees), or nullptr. It stays cached until a
  // newer one replaces it (as Node's https.Agent does): an OpenSSL server sends no new TLS 1.3
  // ticket on a resumed connection, so a ticket used once would leave every other reconnect
  // with a full handshake.
  SSL_SESSION* acquire(const std::string& key);
  void erase(const std::string& key);
  size_t size() const { return index_.size(); }

 private:
  using Entry = std::pair<std::string, SSL_SESSION*>;
  size_t capacity_;
  std::list<Entry> order_;  // most recently stored first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace uws

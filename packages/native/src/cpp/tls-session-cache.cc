#include "tls-session-cache.h"

namespace uws {

ClientSessionCache::~ClientSessionCache() {
  for (auto& entry : order_) SSL_SESSION_free(entry.second);
}

void ClientSessionCache::store(const std::string& key, SSL_SESSION* session) {
  erase(key);
  if (capacity_ == 0) {
    SSL_SESSION_free(session);
    return;
  }
  while (index_.size() >= capacity_) erase(order_.back().first);
  order_.emplace_front(key, session);
  index_.emplace(key, order_.begin());
}

SSL_SESSION* ClientSessionCache::acquire(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  // A copy: a connection resuming from it may change its session, the cached one stays as is.
  return SSL_SESSION_dup(it->second->second);
}

void ClientSessionCache::erase(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  SSL_SESSION_free(it->second->second);
  order_.erase(it->second);
  index_.erase(it);
}

}  // namespace uws

// Listening, accepting, connecting and adopting: how a socket gets into the table, and which
// stream (plain or TLS) it gets for its life.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>

#include "event-loop.h"
#include "tls-stream.h"

namespace uws {

namespace {

// Accepting stops after this many per listener per wake-up so one listener cannot starve reads.
constexpr int kAcceptBurst = 256;

}  // namespace

int EventLoop::listen(const ListenRequest& req, std::shared_ptr<TlsContext> tls, int* boundPort) {
  int fd = openListener(req, boundPort);
  if (fd < 0) return -1;
  uint32_t slot = table_.acquire(fd, SlotKind::kListener);
  if (slot == kNoLink) {
    ::close(fd);
    errno = EMFILE;
    return -1;
  }
  if (poller_.add(fd, EPOLLIN, slot) < 0) {
    int saved = errno;
    ::close(fd);
    table_.release(slot);
    errno = saved;
    return -1;
  }
  table_.at(slot).listener = static_cast<int32_t>(slot);
  if (tls) listenerTls_[slot] = std::move(tls);
  ++listeners_;
  updateRef();
  return static_cast<int>(slot);
}

void EventLoop::closeListener(int id) {
  if (id < 0 || static_cast<size_t>(id) >= table_.size()) return;
  Slot& s = table_.at(static_cast<uint32_t>(id));
  if (s.kind != SlotKind::kListener) return;
  ::close(s.fd);  // also removes it from the epoll set
  table_.release(static_cast<uint32_t>(id));
  listenerTls_.erase(static_cast<uint32_t>(id));
  --listeners_;
  updateRef();
}

int EventLoop::connect(const std::string& host, int port, std::shared_ptr<TlsContext> tls,
                       const std::string& serverName, uint32_t* gen) {
  int fd = openConnection(host, port);
  if (fd < 0) return -1;
  uint32_t slot = table_.acquire(fd, SlotKind::kConnecting);
  if (slot == kNoLink) {
    ::close(fd);
    errno = EMFILE;
    return -1;
  }
  if (tls && !TlsStream::attachClient(*this, slot, std::move(tls), host, port, serverName)) {
    ::close(fd);
    table_.release(slot);
    errno = ENOMEM;
    return -1;
  }
  poller_.add(fd, EPOLLOUT, slot);
  table_.at(slot).wantOut = true;
  *gen = table_.at(slot).gen;
  setBuffered(slot);
  updateRef();
  return static_cast<int>(slot);
}

int EventLoop::adopt(int foreignFd, uint32_t* gen) {
  // The caller's socket object still owns `foreignFd` and will close it; we keep a duplicate.
  int fd = ::fcntl(foreignFd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return -1;
  prepareConnectedSocket(fd);
  uint32_t slot = table_.acquire(fd, SlotKind::kOpen);
  if (slot == kNoLink) {
    ::close(fd);
    errno = EMFILE;
    return -1;
  }
  poller_.add(fd, EPOLLIN | EPOLLRDHUP, slot);
  table_.at(slot).listener = -2;
  capturePeerOf(fd, &table_.at(slot).peer);
  *gen = table_.at(slot).gen;
  setBuffered(slot);
  updateRef();
  return static_cast<int>(slot);
}

void EventLoop::acceptBurst(uint32_t listenerSlot) {
  int lfd = table_.at(listenerSlot).fd;
  auto tlsEntry = listenerTls_.find(listenerSlot);
  const std::shared_ptr<TlsContext>* tlsContext = tlsEntry == listenerTls_.end() ? nullptr : &tlsEntry->second;
  for (int i = 0; i < kAcceptBurst && !ringFull(); i++) {
    sockaddr_storage peer;
    socklen_t peerLen = sizeof(peer);
    int fd = ::accept4(lfd, reinterpret_cast<sockaddr*>(&peer), &peerLen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;  // that one connection
      // Out of descriptors (or kernel memory): the backlog stays readable, so retrying at the
      // next wake-up would spin. Shed what waits, or pause the listener for a while.
      if (!(isFdExhaustion(err) && fdLimit_.onAcceptFailed(lfd, err))) pauseListener(listenerSlot);
      return;
    }
    fdLimit_.onAccepted();
    setNoDelay(fd);
    uint32_t slot = table_.acquire(fd, SlotKind::kOpen);
    if (slot == kNoLink) {
      ::close(fd);
      return;
    }
    if (poller_.add(fd, EPOLLIN | EPOLLRDHUP, slot) < 0) {
      ::close(fd);
      table_.release(slot);
      continue;
    }
    Slot& s = table_.at(slot);
    s.listener = static_cast<int32_t>(listenerSlot);
    capturePeer(&peer, &s.peer);
    setBuffered(slot);
    if (tlsContext != nullptr) {
      // JS hears of it when the handshake completed; until then the deadline is ours.
      if (!TlsStream::attachServer(*this, slot, *tlsContext)) {
        ::close(fd);
        table_.release(slot);
      }
      continue;
    }
    pushEvent(kEvOpen, slot, s.gen, static_cast<int32_t>(listenerSlot), 0);
  }
}

void EventLoop::pauseListener(uint32_t listenerSlot) {
  Slot& s = table_.at(listenerSlot);
  poller_.modify(s.fd, 0, listenerSlot);
  pausedListeners_.emplace_back(listenerSlot, s.gen);
}

void EventLoop::resumeListeners() {
  if (pausedListeners_.empty()) return;
  fdLimit_.refill();
  for (auto& p : pausedListeners_) {
    Slot* s = table_.find(p.first, p.second);
    if (s == nullptr || s->kind != SlotKind::kListener) continue;  // closed since
    poller_.modify(s->fd, EPOLLIN, p.first);
  }
  pausedListeners_.clear();
}

void EventLoop::onConnectDone(uint32_t slot) {
  Slot& s = table_.at(slot);
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) {
    closeSlot(slot, err);
    return;
  }
  s.kind = SlotKind::kOpen;
  s.wantOut = false;
  capturePeerOf(s.fd, &s.peer);
  streamOf(s).connected(*this, slot);
}

}  // namespace uws

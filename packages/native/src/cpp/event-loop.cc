#include "event-loop.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>

namespace uws {

namespace {

// epoll_event.data carries the slot; listeners and connections share the table.
constexpr int kMaxEpollEvents = 1024;
// Accepting stops after this many per listener per wake-up so one listener cannot starve reads.
constexpr int kAcceptBurst = 256;
// A read needs at least this much room left in the arena, else it waits for the next wake-up
// (in the read queue).
constexpr uint32_t kMinReadRoom = 16 * 1024;
// Reads are capped so one busy socket cannot take the whole arena; a large message still
// arrives in few reads (each one a batch handed to JS).
constexpr uint32_t kMaxRead = 512 * 1024;
// After end(), how long we keep draining the peer's bytes before closing for good (seconds).
constexpr uint32_t kLingerSeconds = 4;
// After end() with unsent bytes, how long a peer that does not read may keep us waiting.
constexpr uint32_t kEndFlushSeconds = 10;
constexpr int kMaxIov = 64;

}  // namespace

EventLoop::EventLoop(uv_loop_t* uvLoop, SharedMemory mem, std::function<void()> dispatch)
    : uvLoop_(uvLoop), mem_(mem), dispatch_(std::move(dispatch)) {
  table_.setCapacity(kMaxSlots);
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    initErrno_ = errno;
    return;
  }
  uv_poll_init(uvLoop_, &poll_, epfd_);
  poll_.data = this;
  uv_timer_init(uvLoop_, &tick_);
  tick_.data = this;
  uv_timer_init(uvLoop_, &kick_);
  kick_.data = this;
  handlesOpen_ = 3;
  uv_poll_start(&poll_, UV_READABLE, onPoll);
  uv_timer_start(&tick_, onTick, 1000, 1000);
  // Neither handle keeps the process alive on its own; updateRef() refs the poll while
  // there are listeners or sockets, like a net.Server does.
  uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&tick_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&kick_));
}

EventLoop::~EventLoop() {
  if (epfd_ >= 0) ::close(epfd_);
}

void EventLoop::updateRef() {
  if (closing_ || epfd_ < 0) return;
  auto* h = reinterpret_cast<uv_handle_t*>(&poll_);
  if (table_.live() > 0) uv_ref(h);
  else uv_unref(h);
}

// ---- listening, connecting, adopting ------------------------------------------------------

int EventLoop::listen(const ListenRequest& req, std::shared_ptr<TlsContext> tls, int* boundPort) {
  int fd = openListener(req, boundPort);
  if (fd < 0) return -1;
  uint32_t slot = table_.acquire(fd, SlotKind::kListener);
  if (slot == kNoLink) {
    ::close(fd);
    errno = EMFILE;
    return -1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = slot;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
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
  if (tls) {
    // One cache entry per server: its address, port and the name its certificate was checked for.
    std::string sessionKey = serverName + '\n' + host + '\n' + std::to_string(port);
    table_.at(slot).tls = TlsSession::create(std::move(tls), fd, false, serverName, sessionKey);
    if (!table_.at(slot).tls) {
      ::close(fd);
      table_.release(slot);
      errno = ENOMEM;
      return -1;
    }
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u32 = slot;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
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
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u32 = slot;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  table_.at(slot).listener = -2;
  capturePeerOf(fd, &table_.at(slot).peer);
  *gen = table_.at(slot).gen;
  setBuffered(slot);
  updateRef();
  return static_cast<int>(slot);
}

// ---- the wake-up ------------------------------------------------------------------------

void EventLoop::onPoll(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<EventLoop*>(handle->data);
  if (status < 0 || self->closing_) return;
  self->wake();
}

void EventLoop::onKick(uv_timer_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  self->kickArmed_ = false;
  if (!self->closing_) self->wake();
}

void EventLoop::kick() {
  if (kickArmed_ || closing_) return;
  kickArmed_ = true;
  uv_timer_start(&kick_, onKick, 0, 0);
}

void EventLoop::onTick(uv_timer_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  if (self->closing_) return;
  if (self->mem_.control[kEventRead] >= self->mem_.control[kEventCount]) {
    self->mem_.control[kEventCount] = 0;
    self->mem_.control[kEventRead] = 0;
    self->releaseClosed();
  }
  self->sweepTlsBuffers();
  self->trimAfterHandshakes();
  self->resumeListeners();
  auto links = [self](uint32_t i) -> TimerLink& { return self->link(i); };
  self->mem_.control[kTick] = static_cast<int32_t>(self->wheel_.now() + 1);
  self->wheel_.tick(links, [self](uint32_t slot) {
    Slot& s = self->table_.at(slot);
    if (s.kind == SlotKind::kLingering) {
      self->closeSlot(slot, 0);
    } else if (s.endAfterFlush) {
      self->closeSlot(slot, ETIMEDOUT);  // the peer never took the bytes before our FIN
    } else if (s.handshaking && s.listener >= 0) {
      self->closeSlot(slot, ETIMEDOUT);  // a TLS handshake that never completes
    } else if (s.kind == SlotKind::kOpen || s.kind == SlotKind::kConnecting) {
      self->pushEvent(kEvTimeout, slot, s.gen, 0, 0);
    }
  });
  self->runBatch();
}

bool EventLoop::ringFull() const { return static_cast<uint32_t>(mem_.control[kEventCount]) >= kEventCapacity; }

bool EventLoop::pushEvent(int32_t type, uint32_t slot, uint32_t gen, int32_t a, int32_t b) {
  int32_t n = mem_.control[kEventCount];
  if (static_cast<uint32_t>(n) >= kEventCapacity) {
    // Never dropped: kept here and handed over in the next round of this batch.
    overflow_.push_back({type, static_cast<int32_t>(slot), static_cast<int32_t>(gen), a, b});
    return false;
  }
  int32_t* e = mem_.events + static_cast<size_t>(n) * kEventInts;
  e[kEvType] = type;
  e[kEvSlot] = static_cast<int32_t>(slot);
  e[kEvGen] = static_cast<int32_t>(gen);
  e[kEvA] = a;
  e[kEvB] = b;
  mem_.control[kEventCount] = n + 1;
  return true;
}

void EventLoop::releaseClosed() {
  for (uint32_t slot : closed_) table_.release(slot);
  closed_.clear();
}

void EventLoop::wake() {
  // JS consumed the previous batch (it always drains the ring before returning), so the
  // close events in it were handled and those slots can be reused.
  mem_.control[kEventCount] = 0;
  mem_.control[kEventRead] = 0;
  arenaUsed_ = 0;
  releaseClosed();
  ++wakeUps_;
  ++fairness_.wakeUps;

  epoll_event evs[kMaxEpollEvents];
  int n = ::epoll_wait(epfd_, evs, kMaxEpollEvents, 0);
  // Fairness: epoll reports ready sockets in a stable order (level-triggered, a socket it
  // reported goes back behind the others in the order it was reported), so a read budget spent
  // front to back would serve the same sockets at every wake-up while the rest starve. The
  // sockets that found the arena full last time are read first, oldest first; a socket that
  // finds it full now joins the end of that queue. Every readable socket is read within
  // (queued sockets ahead of it) / (reads per arena) wake-ups.
  size_t served = serveReadQueue();
  readBacklog();
  for (int i = 0; i < n; i++) {
    uint32_t slot = evs[i].data.u32;
    if (slot >= table_.size()) continue;
    Slot& s = table_.at(slot);
    if (s.kind == SlotKind::kFree || s.kind == SlotKind::kClosed) continue;  // closed earlier in this batch
    if (ringFull()) break;  // level-triggered: the rest is reported again next wake-up
    if (s.kind == SlotKind::kListener) acceptBurst(slot);
    else onSocketEvent(slot, evs[i].events);
  }
  finishReadQueue(served);
  runBatch();
}

bool EventLoop::hasReadRoom(const Slot& s) const {
  return kReceiveArenaBytes - arenaUsed_ >= (s.tls ? kMinTlsReadRoom : kMinReadRoom);
}

void EventLoop::queueRead(uint32_t slot) {
  Slot& s = table_.at(slot);
  s.readQueued = true;
  readQueue_.push_back({slot, s.gen, wakeUps_});
  ++fairness_.queuedReads;
}

size_t EventLoop::serveReadQueue() {
  size_t i = 0;
  for (; i < readQueue_.size(); i++) {
    const QueuedRead& q = readQueue_[i];
    Slot* s = table_.find(q.slot, q.gen);
    if (s == nullptr || !s->readQueued) continue;  // closed since (the slot may be reused)
    if ((s->kind == SlotKind::kOpen && !hasReadRoom(*s)) || ringFull()) break;
    fairness_.maxQueuedWakeUps = std::max(fairness_.maxQueuedWakeUps, wakeUps_ - q.since);
    // A paused socket is read when JS resumes it (epoll reports it again then).
    if (s->paused || (s->kind != SlotKind::kOpen && s->kind != SlotKind::kLingering)) continue;
    readInto(q.slot);
  }
  return i;
}

void EventLoop::finishReadQueue(size_t served) {
  // The served entries kept their mark through this wake-up's epoll events, so a socket read
  // from the queue was not read a second time ahead of the others.
  for (size_t i = 0; i < served; i++) {
    Slot* s = table_.find(readQueue_[i].slot, readQueue_[i].gen);
    if (s != nullptr) s->readQueued = false;
  }
  readQueue_.erase(readQueue_.begin(), readQueue_.begin() + static_cast<std::ptrdiff_t>(served));
  // After a burst over many connections, give the queue's memory back.
  if (readQueue_.empty() && readQueue_.capacity() > 4096) std::vector<QueuedRead>().swap(readQueue_);
}

void EventLoop::runBatch() {
  for (;;) {
    if (mem_.control[kEventCount] > mem_.control[kEventRead]) {
      inBatch_ = true;
      dispatch_();
      inBatch_ = false;
    }
    if ((overflow_.empty() && nameWaiting_.empty()) || closing_) break;
    // JS drained the ring: move the overflow in (receive-arena offsets stay valid).
    mem_.control[kEventCount] = 0;
    mem_.control[kEventRead] = 0;
    std::vector<std::array<int32_t, kEventInts>> rest;
    rest.swap(overflow_);
    for (auto& e : rest) pushEvent(e[0], static_cast<uint32_t>(e[1]), static_cast<uint32_t>(e[2]), e[3], e[4]);
    // JS heard about unknown server names (and may have added them): resume those handshakes.
    std::vector<std::pair<uint32_t, uint32_t>> waiting;
    waiting.swap(nameWaiting_);
    for (auto& w : waiting) {
      Slot* s = table_.find(w.first, w.second);
      if (s == nullptr || s->kind != SlotKind::kOpen || !s->handshaking) continue;
      s->paused = false;
      updateInterest(w.first);
      driveHandshake(w.first);
    }
  }
  flush();
  updateRef();
}

void EventLoop::acceptBurst(uint32_t listenerSlot) {
  int lfd = table_.at(listenerSlot).fd;
  auto tlsEntry = listenerTls_.find(listenerSlot);
  TlsContext* tlsContext = tlsEntry == listenerTls_.end() ? nullptr : tlsEntry->second.get();
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
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = slot;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
      ::close(fd);
      table_.release(slot);
      continue;
    }
    Slot& s = table_.at(slot);
    s.listener = static_cast<int32_t>(listenerSlot);
    capturePeer(&peer, &s.peer);
    setBuffered(slot);
    if (tlsContext != nullptr) {
      s.tls = TlsSession::create(tlsEntry->second, fd, true, "");
      if (!s.tls) {
        ::close(fd);
        table_.release(slot);
        continue;
      }
      // JS hears of it when the handshake completed; until then the deadline is ours.
      s.handshaking = true;
      auto links = [this](uint32_t k) -> TimerLink& { return link(k); };
      wheel_.arm(links, slot, tlsContext->handshakeSeconds());
      continue;
    }
    pushEvent(kEvOpen, slot, s.gen, static_cast<int32_t>(listenerSlot), 0);
  }
}

void EventLoop::pauseListener(uint32_t listenerSlot) {
  Slot& s = table_.at(listenerSlot);
  epoll_event ev{};
  ev.data.u32 = listenerSlot;
  ::epoll_ctl(epfd_, EPOLL_CTL_MOD, s.fd, &ev);
  pausedListeners_.emplace_back(listenerSlot, s.gen);
}

void EventLoop::resumeListeners() {
  if (pausedListeners_.empty()) return;
  fdLimit_.refill();
  for (auto& p : pausedListeners_) {
    Slot* s = table_.find(p.first, p.second);
    if (s == nullptr || s->kind != SlotKind::kListener) continue;  // closed since
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = p.first;
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, s->fd, &ev);
  }
  pausedListeners_.clear();
}

void EventLoop::onSocketEvent(uint32_t slot, uint32_t ev) {
  SlotKind kind = table_.at(slot).kind;
  if (kind == SlotKind::kConnecting) {
    onConnectDone(slot);
    return;
  }
  Slot& t = table_.at(slot);
  if (t.tls && kind == SlotKind::kOpen) {
    if (t.handshaking) {
      driveHandshake(slot);
      return;
    }
    if (t.pending && ((ev & EPOLLOUT) || (t.tlsWriteWantsRead && (ev & EPOLLIN)))) {
      writeOutTls(slot);
      if (table_.at(slot).kind != SlotKind::kOpen) return;
    } else if ((ev & EPOLLOUT) && !t.pending && t.wantOut) {
      // A read that had to send (a key update's answer) found the socket full: read again.
      t.wantOut = false;
      updateInterest(slot);
      readTls(slot);
      return;
    }
  } else if ((ev & EPOLLOUT) && table_.at(slot).pending) {
    writeOut(slot);
    if (table_.at(slot).kind == SlotKind::kClosed) return;
  }
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    Slot& s = table_.at(slot);
    if (s.paused && !(ev & (EPOLLHUP | EPOLLERR))) return;
    // Read from the queue in this wake-up already, or still waiting there behind others.
    if (s.readQueued) return;
    if (s.kind == SlotKind::kOpen && !hasReadRoom(s)) {
      queueRead(slot);
      return;
    }
    readInto(slot);
  }
}

bool EventLoop::readInto(uint32_t slot) {
  Slot& s = table_.at(slot);
  if (s.kind == SlotKind::kLingering) {
    // Drain and drop: we are only waiting for the peer's FIN.
    uint8_t scratch[4096];
    for (;;) {
      ssize_t r = ::read(s.fd, scratch, sizeof(scratch));
      if (r > 0) continue;
      if (r == 0 || (errno != EAGAIN && errno != EINTR)) closeSlot(slot, 0);
      return false;
    }
  }
  if (s.tls) return readTls(slot);
  uint32_t room = kReceiveArenaBytes - arenaUsed_;
  if (room < kMinReadRoom) return false;  // next wake-up
  if (room > kMaxRead) room = kMaxRead;
  ssize_t r = ::read(s.fd, mem_.receiveArena + arenaUsed_, room);
  if (r > 0) {
    pushEvent(kEvData, slot, s.gen, static_cast<int32_t>(arenaUsed_), static_cast<int32_t>(r));
    arenaUsed_ += static_cast<uint32_t>((r + 7) & ~7);  // keep views 8-byte aligned
    return true;
  }
  if (r == 0) {
    closeSlot(slot, 0);
  } else if (errno != EAGAIN && errno != EINTR) {
    closeSlot(slot, errno);
  }
  return false;
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
  if (s.tls) {
    s.handshaking = true;
    driveHandshake(slot);  // sends the ClientHello
    return;
  }
  updateInterest(slot);
  pushEvent(kEvOpen, slot, s.gen, -1, 0);
}

// ---- writing -----------------------------------------------------------------------------

void EventLoop::flush() { flush(kNoLink, nullptr); }

void EventLoop::flush(uint32_t directSlot, const iovec* direct) {
  int32_t count = mem_.control[kCommandCount];
  if (count < 0) count = 0;
  if (static_cast<uint32_t>(count) > kCommandCapacity) count = static_cast<int32_t>(kCommandCapacity);
  const int32_t* cmd = mem_.commands;
  // Pass 1: chain every command to the next one for the same slot, remembering the slots in
  // the order they first appear. A publish queues one command per subscriber, message after
  // message; grouping gives each socket one writev per batch instead of one per message.
  uint32_t size = 16;
  while (size < 2u * static_cast<uint32_t>(count)) size <<= 1;  // at most half full
  if (runs_.size() < size) runs_.resize(size);
  for (uint32_t k = 0; k < size; k++) runs_[k].slot = kNoLink;
  const uint32_t mask = size - 1;
  order_.clear();
  for (int32_t i = 0; i < count; i++) {
    uint32_t slot = static_cast<uint32_t>(cmd[i * kCommandInts + kCmdSlot]);
    nextCommand_[i] = -1;
    if (slot >= table_.size()) continue;  // never a live slot
    uint32_t h = (slot * 2654435761u) & mask;
    while (runs_[h].slot != kNoLink && runs_[h].slot != slot) h = (h + 1) & mask;
    SlotRun& run = runs_[h];
    if (run.slot == kNoLink) {
      run.slot = slot;
      run.head = i;
      order_.push_back(h);
    } else {
      nextCommand_[run.tail] = i;
    }
    run.tail = i;
  }
  // Pass 2: per socket, its commands in order, up to kMaxIov per writev.
  iovec iov[kMaxIov];
  for (uint32_t h : order_) {
    const uint32_t slot = runs_[h].slot;
    int n = 0;
    for (int32_t i = runs_[h].head; i >= 0; i = nextCommand_[i]) {
      const int32_t* c = cmd + i * kCommandInts;
      uint32_t gen = static_cast<uint32_t>(c[kCmdGen]);
      uint32_t off = static_cast<uint32_t>(c[kCmdOffset]);
      uint32_t len = static_cast<uint32_t>(c[kCmdLength]);
      if (len == 0 || static_cast<uint64_t>(off) + len > kSendArenaBytes || table_.find(slot, gen) == nullptr) continue;
      iov[n].iov_base = mem_.sendArena + off;
      iov[n].iov_len = len;
      if (++n == kMaxIov) {
        sendRun(slot, iov, n);
        n = 0;
      }
    }
    if (slot == directSlot) {
      // The direct bytes follow this socket's queued ones in the same writev (a large frame's
      // payload behind its header: one send, not two).
      if (n == kMaxIov) {
        sendRun(slot, iov, n);
        n = 0;
      }
      iov[n++] = *direct;
      directSlot = kNoLink;
    }
    if (n > 0) sendRun(slot, iov, n);
  }
  mem_.control[kCommandCount] = 0;
  mem_.control[kSendUsed] = 0;
  if (directSlot != kNoLink) sendRun(directSlot, const_cast<iovec*>(direct), 1);
}

void EventLoop::writeDirect(uint32_t slot, uint32_t gen, const uint8_t* data, size_t len) {
  if (table_.find(slot, gen) == nullptr || len == 0) {
    flush();
    return;
  }
  iovec iov{const_cast<uint8_t*>(data), len};
  flush(slot, &iov);
}

void EventLoop::sendRun(uint32_t slot, iovec* iov, int count) {
  Slot& s = table_.at(slot);
  if (s.kind != SlotKind::kOpen || s.endAfterFlush) return;
  if (s.tls) {
    sendTls(slot, iov, count);
    return;
  }
  size_t total = 0;
  for (int k = 0; k < count; k++) total += iov[k].iov_len;
  size_t written = 0;
  if (!s.pending) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    ssize_t w;
    do {
      w = ::sendmsg(s.fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (w < 0 && errno == EINTR);
    if (w < 0) {
      if (errno != EAGAIN) {
        // The read side reports the error and closes; nothing more is sent.
        ::shutdown(s.fd, SHUT_RDWR);
        return;
      }
      w = 0;
    }
    written = static_cast<size_t>(w);
    if (written == total) return;
  }
  // Keep what the kernel did not take, in order, and wait for EPOLLOUT.
  if (!s.pending) s.pending = std::make_unique<PendingBytes>();
  size_t skip = written;
  for (int k = 0; k < count; k++) {
    size_t len = iov[k].iov_len;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    s.pending->data.append(static_cast<const char*>(iov[k].iov_base) + skip, len - skip);
    skip = 0;
  }
  if (!s.wantOut) {
    s.wantOut = true;
    updateInterest(slot);
  }
  setBuffered(slot);
}

void EventLoop::writeOut(uint32_t slot) {
  Slot& s = table_.at(slot);
  PendingBytes& p = *s.pending;
  while (p.size() > 0) {
    ssize_t w = ::send(s.fd, p.data.data() + p.offset, p.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      closeSlot(slot, errno);
      return;
    }
    p.offset += static_cast<size_t>(w);
  }
  if (p.size() > 0) {
    p.compact();
    setBuffered(slot);
    return;
  }
  pendingWritten(slot);
}

void EventLoop::pendingWritten(uint32_t slot) {
  Slot& s = table_.at(slot);
  s.pending.reset();
  s.wantOut = false;
  setBuffered(slot);
  if (s.endAfterFlush) {
    startLinger(slot);
    return;
  }
  updateInterest(slot);
  pushEvent(kEvDrain, slot, s.gen, 0, 0);
}

void EventLoop::setBuffered(uint32_t slot) {
  Slot& s = table_.at(slot);
  mem_.buffered[slot] = s.pending ? static_cast<double>(s.pending->size()) : 0.0;
}

void EventLoop::updateInterest(uint32_t slot) {
  Slot& s = table_.at(slot);
  epoll_event ev{};
  ev.events = (s.paused ? 0u : static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP)) | (s.wantOut ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.u32 = slot;
  ::epoll_ctl(epfd_, EPOLL_CTL_MOD, s.fd, &ev);
}

// ---- socket operations from JS ------------------------------------------------------------

void EventLoop::end(uint32_t slot, uint32_t gen) {
  flush();
  Slot* s = table_.find(slot, gen);
  if (s == nullptr || s->kind != SlotKind::kOpen) return;
  if (s->pending) {
    s->endAfterFlush = true;  // writeOut() lingers once the bytes are out
    auto links = [this](uint32_t i) -> TimerLink& { return link(i); };
    wheel_.arm(links, slot, kEndFlushSeconds);
    return;
  }
  startLinger(slot);
}

void EventLoop::startLinger(uint32_t slot) {
  Slot& s = table_.at(slot);
  if (s.tls && !s.handshaking) s.tls->shutdown();  // close_notify before our FIN
  // Half-close, then read until the peer's FIN: closing with unread bytes would send a RST
  // that can destroy the data we just sent before the peer reads it.
  ::shutdown(s.fd, SHUT_WR);
  s.kind = SlotKind::kLingering;
  s.paused = false;
  s.wantOut = false;
  updateInterest(slot);
  auto links = [this](uint32_t i) -> TimerLink& { return link(i); };
  wheel_.arm(links, slot, kLingerSeconds);
}

void EventLoop::destroy(uint32_t slot, uint32_t gen) {
  Slot* s = table_.find(slot, gen);
  if (s == nullptr || s->kind == SlotKind::kListener || s->kind == SlotKind::kClosed) return;
  closeSlot(slot, 0);  // our unsent bytes are dropped with the slot; the kernel sends a FIN
  if (!inBatch_) updateRef();
}

void EventLoop::pause(uint32_t slot, uint32_t gen) {
  Slot* s = table_.find(slot, gen);
  if (s == nullptr || s->kind != SlotKind::kOpen || s->paused || s->handshaking) return;
  s->paused = true;
  updateInterest(slot);
}

void EventLoop::resume(uint32_t slot, uint32_t gen) {
  Slot* s = table_.find(slot, gen);
  if (s == nullptr || s->kind != SlotKind::kOpen || !s->paused || s->handshaking) return;
  s->paused = false;
  updateInterest(slot);
  // Bytes OpenSSL already decrypted raise no epoll event.
  if (s->tls && s->tls->hasBuffered()) {
    tlsBacklog_.emplace_back(slot, gen);
    kick();
  }
}

void EventLoop::setTimeout(uint32_t slot, uint32_t gen, uint32_t seconds) {
  Slot* s = table_.find(slot, gen);
  // After end() the deadline belongs to the close, not to JS.
  if (s == nullptr || (s->kind != SlotKind::kOpen && s->kind != SlotKind::kConnecting) || s->endAfterFlush) return;
  auto links = [this](uint32_t i) -> TimerLink& { return link(i); };
  if (seconds == 0) wheel_.disarm(links, slot);
  else wheel_.arm(links, slot, seconds);
}

const TlsSession* EventLoop::tlsSession(uint32_t slot, uint32_t gen) {
  Slot* s = table_.find(slot, gen);
  return s == nullptr ? nullptr : s->tls.get();
}

std::string EventLoop::remoteAddress(uint32_t slot, uint32_t gen, int* port) {
  *port = 0;
  Slot* s = table_.find(slot, gen);  // also answers for kClosed: close handlers ask
  if (s == nullptr || s->kind == SlotKind::kListener) return "";
  *port = s->peer.port;
  return formatPeer(s->peer);
}

void EventLoop::closeSlot(uint32_t slot, int err) {
  Slot& s = table_.at(slot);
  if (s.kind == SlotKind::kFree || s.kind == SlotKind::kListener || s.kind == SlotKind::kClosed) return;
  auto links = [this](uint32_t i) -> TimerLink& { return link(i); };
  wheel_.disarm(links, slot);
  ::close(s.fd);  // also removes it from the epoll set
  s.fd = -1;
  s.kind = SlotKind::kClosed;
  s.pending.reset();
  mem_.buffered[slot] = 0;
  closed_.push_back(slot);
  pushEvent(kEvClose, slot, s.gen, err, 0);
  resumeListeners();  // a descriptor just freed up
}

// ---- teardown ----------------------------------------------------------------------------

void EventLoop::shutdown(std::function<void()> done) {
  if (closing_) return;
  closing_ = true;
  closed_.clear();
  readQueue_.clear();
  listenerTls_.clear();
  nameWaiting_.clear();
  tlsBacklog_.clear();
  tlsHolding_.clear();
  for (uint32_t i = 0; i < table_.size(); i++) {
    Slot& s = table_.at(i);
    if (s.kind != SlotKind::kFree) {
      if (s.fd >= 0) ::close(s.fd);
      table_.release(i);
    }
  }
  onShutdown_ = std::move(done);
  if (epfd_ < 0) {
    if (onShutdown_) onShutdown_();
    return;
  }
  auto closed = [](uv_handle_t* h) {
    auto* self = static_cast<EventLoop*>(h->data);
    if (--self->handlesOpen_ == 0 && self->onShutdown_) self->onShutdown_();
  };
  uv_poll_stop(&poll_);
  uv_timer_stop(&tick_);
  uv_timer_stop(&kick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&kick_), closed);
}

}  // namespace uws

// The receive side: a readiness event on a socket, the read budget of the shared receive arena
// (a socket is read only while the arena has room for a useful read; the others wait in the
// read queue and go first at the next wake-up), and the reads themselves, through the
// socket's stream. Lingering sockets are drained here: after end() we only wait for the FIN.
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "event-loop.h"

namespace uws {

void EventLoop::onSocketEvent(uint32_t slot, uint32_t ev) {
  Slot& s = table_.at(slot);
  if (s.kind == SlotKind::kConnecting) {
    onConnectDone(slot);
    return;
  }
  // The handshake, or bytes waiting for EPOLLOUT, come first; they may use the event up.
  if (!streamOf(s).ready(*this, slot, ev)) return;
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
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
  return streamOf(s).read(*this, slot);
}

void EventLoop::delivered(uint32_t slot, size_t n) {
  pushEvent(kEvData, slot, table_.at(slot).gen, static_cast<int32_t>(arenaUsed_), static_cast<int32_t>(n));
  arenaUsed_ += static_cast<uint32_t>((n + 7) & ~size_t{7});  // keep views 8-byte aligned
}

bool EventLoop::hasReadRoom(const Slot& s) const { return kReceiveArenaBytes - arenaUsed_ >= streamOf(s).minReadRoom; }

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

}  // namespace uws

// The wake-up, the event ring, closing a slot, and the socket operations JS calls that are not
// about sending (send-queue.cc) or timers (loop-timers.cc).
#include "event-loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "tls-stream.h"

namespace uws {

namespace {

// epoll_event.data carries the slot; listeners and connections share the table.
constexpr int kMaxEpollEvents = 1024;

}  // namespace

EventLoop::EventLoop(uv_loop_t* uvLoop, SharedMemory mem, std::function<void()> dispatch)
    : mem_(mem), dispatch_(std::move(dispatch)), poller_(uvLoop, Poller::Callbacks{this, onReady, onTick}) {
  table_.setCapacity(kMaxSlots);
}

void EventLoop::updateRef() {
  if (closing_) return;
  poller_.keepAlive(table_.live() > 0);
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
  int n = poller_.poll(evs, kMaxEpollEvents);
  // Fairness: epoll reports ready sockets in a stable order (level-triggered, a socket it
  // reported goes back behind the others in the order it was reported), so a read budget spent
  // front to back would serve the same sockets at every wake-up while the rest starve. The
  // sockets that found the arena full last time are read first, oldest first; a socket that
  // finds it full now joins the end of that queue. Every readable socket is read within
  // (queued sockets ahead of it) / (reads per arena) wake-ups.
  size_t served = serveReadQueue();
  TlsStream::readBacklog(*this);
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

void EventLoop::runBatch() {
  for (;;) {
    if (mem_.control[kEventCount] > mem_.control[kEventRead]) {
      inBatch_ = true;
      dispatch_();
      inBatch_ = false;
    }
    if ((overflow_.empty() && tls_.nameWaiting.empty()) || closing_) break;
    // JS drained the ring: move the overflow in (receive-arena offsets stay valid).
    mem_.control[kEventCount] = 0;
    mem_.control[kEventRead] = 0;
    std::vector<std::array<int32_t, kEventInts>> rest;
    rest.swap(overflow_);
    for (auto& e : rest) pushEvent(e[0], static_cast<uint32_t>(e[1]), static_cast<uint32_t>(e[2]), e[3], e[4]);
    // JS heard about unknown server names (and may have added them): resume those handshakes.
    TlsStream::resumeNamed(*this);
  }
  flush();
  updateRef();
}

void EventLoop::updateInterest(uint32_t slot) {
  Slot& s = table_.at(slot);
  uint32_t events = (s.paused ? 0u : static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP)) | (s.wantOut ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  poller_.modify(s.fd, events, slot);
}

void EventLoop::closeSlot(uint32_t slot, int err) {
  Slot& s = table_.at(slot);
  if (s.kind == SlotKind::kFree || s.kind == SlotKind::kListener || s.kind == SlotKind::kClosed) return;
  disarmTimer(slot);
  ::close(s.fd);  // also removes it from the epoll set
  s.fd = -1;
  s.kind = SlotKind::kClosed;
  s.pending.reset();
  mem_.buffered[slot] = 0;
  closed_.push_back(slot);
  pushEvent(kEvClose, slot, s.gen, err, 0);
  resumeListeners();  // a descriptor just freed up
}

// ---- socket operations from JS ------------------------------------------------------------

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
  streamOf(*s).resumed(*this, slot);
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

// ---- teardown ----------------------------------------------------------------------------

void EventLoop::shutdown(std::function<void()> done) {
  if (closing_) return;
  closing_ = true;
  closed_.clear();
  readQueue_.clear();
  listenerTls_.clear();
  tls_.clear();
  for (uint32_t i = 0; i < table_.size(); i++) {
    Slot& s = table_.at(i);
    if (s.kind != SlotKind::kFree) {
      if (s.fd >= 0) ::close(s.fd);
      table_.release(i);
    }
  }
  poller_.close(std::move(done));
}

}  // namespace uws

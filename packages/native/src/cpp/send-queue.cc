// The send side: flush() turns the commands JS queued in the send arena into one writev run
// per socket (a publish queues one command per subscriber, message after message); what a
// socket refuses waits in its backpressure buffer (Slot::pending, reported to JS per slot in
// the shared `buffered` array) until EPOLLOUT; end() sends what waits, then lingers.
#include <sys/socket.h>

#include "event-loop.h"

namespace uws {

namespace {

// After end(), how long we keep draining the peer's bytes before closing for good (seconds).
constexpr uint32_t kLingerSeconds = 4;
// After end() with unsent bytes, how long a peer that does not read may keep us waiting.
constexpr uint32_t kEndFlushSeconds = 10;
constexpr int kMaxIov = 64;

}  // namespace

void EventLoop::flush() { flush(kNoLink, nullptr); }

void EventLoop::flush(uint32_t directSlot, const iovec* direct) {
  int32_t count = mem_.control[kCommandCount];
  if (count < 0) count = 0;
  if (static_cast<uint32_t>(count) > kCommandCapacity) count = static_cast<int32_t>(kCommandCapacity);
  const int32_t* cmd = mem_.commands;
  // Pass 1: chain every command to the next one for the same slot, remembering the slots in
  // the order they first appear. Grouping gives each socket one writev per batch instead of
  // one per message.
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
  streamOf(s).send(*this, slot, iov, count);
}

// ---- backpressure ------------------------------------------------------------------------

void EventLoop::keepPending(uint32_t slot, const uint8_t* head, size_t headLen, iovec* iov, int count, int from,
                            size_t offset) {
  Slot& s = table_.at(slot);
  if (!s.pending) s.pending = std::make_unique<PendingBytes>();
  if (headLen > 0) s.pending->data.append(reinterpret_cast<const char*>(head), headLen);
  for (int k = from; k < count; k++) {
    size_t skip = k == from ? offset : 0;
    s.pending->data.append(static_cast<const char*>(iov[k].iov_base) + skip, iov[k].iov_len - skip);
  }
  setBuffered(slot);
}

void EventLoop::setBuffered(uint32_t slot) {
  Slot& s = table_.at(slot);
  mem_.buffered[slot] = s.pending ? static_cast<double>(s.pending->size()) : 0.0;
}

void EventLoop::setWantOut(uint32_t slot, bool on) {
  Slot& s = table_.at(slot);
  if (s.wantOut == on) return;
  s.wantOut = on;
  updateInterest(slot);
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

// ---- end and linger ----------------------------------------------------------------------

void EventLoop::end(uint32_t slot, uint32_t gen) {
  flush();
  Slot* s = table_.find(slot, gen);
  if (s == nullptr || s->kind != SlotKind::kOpen) return;
  if (s->pending) {
    s->endAfterFlush = true;  // the stream lingers once the bytes are out (pendingWritten)
    armTimer(slot, kEndFlushSeconds);
    return;
  }
  startLinger(slot);
}

void EventLoop::startLinger(uint32_t slot) {
  Slot& s = table_.at(slot);
  streamOf(s).closing(*this, slot);
  // Half-close, then read until the peer's FIN: closing with unread bytes would send a RST
  // that can destroy the data we just sent before the peer reads it.
  ::shutdown(s.fd, SHUT_WR);
  s.kind = SlotKind::kLingering;
  s.paused = false;
  s.wantOut = false;
  updateInterest(slot);
  armTimer(slot, kLingerSeconds);
}

}  // namespace uws

// Time: the 1-second tick (housekeeping, then the timer wheel of timer-wheel.h) and what a
// socket's deadline means in each of its states: JS's idle timeout, the flush before our FIN,
// the linger after it, a server handshake that never completes.
#include <cerrno>

#include "event-loop.h"
#include "tls-stream.h"

namespace uws {

void EventLoop::armTimer(uint32_t slot, uint32_t seconds) {
  auto links = [this](uint32_t i) -> TimerLink& { return table_.at(i).timer; };
  wheel_.arm(links, slot, seconds);
}

void EventLoop::disarmTimer(uint32_t slot) {
  auto links = [this](uint32_t i) -> TimerLink& { return table_.at(i).timer; };
  wheel_.disarm(links, slot);
}

void EventLoop::setTimeout(uint32_t slot, uint32_t gen, uint32_t seconds) {
  Slot* s = table_.find(slot, gen);
  // After end() the deadline belongs to the close, not to JS.
  if (s == nullptr || (s->kind != SlotKind::kOpen && s->kind != SlotKind::kConnecting) || s->endAfterFlush) return;
  if (seconds == 0) disarmTimer(slot);
  else armTimer(slot, seconds);
}

void EventLoop::tick() {
  // Bytes first, deadlines second. After a stall (a long JS task, a starved process) libuv
  // runs this overdue timer before it polls, so a peer whose request arrived during the stall
  // would be timed out unread. JS has drained the ring here (it does before a batch returns).
  if (!closing_ && mem_.control[kEventRead] >= mem_.control[kEventCount]) wake();
  if (mem_.control[kEventRead] >= mem_.control[kEventCount]) {
    mem_.control[kEventCount] = 0;
    mem_.control[kEventRead] = 0;
    releaseClosed();
  }
  TlsStream::sweepBuffers(*this);
  heapTrim_.maybeTrim();
  resumeListeners();
  auto links = [this](uint32_t i) -> TimerLink& { return table_.at(i).timer; };
  mem_.control[kTick] = static_cast<int32_t>(wheel_.now() + 1);
  wheel_.tick(links, [this](uint32_t slot) { onDeadline(slot); });
  runBatch();
}

void EventLoop::onDeadline(uint32_t slot) {
  Slot& s = table_.at(slot);
  if (s.kind == SlotKind::kLingering) {
    closeSlot(slot, 0);
  } else if (s.endAfterFlush) {
    closeSlot(slot, ETIMEDOUT);  // the peer never took the bytes before our FIN
  } else if (s.handshaking && s.listener >= 0) {
    closeSlot(slot, ETIMEDOUT);  // a server handshake (TLS) that never completes
  } else if (s.kind == SlotKind::kOpen || s.kind == SlotKind::kConnecting) {
    pushEvent(kEvTimeout, slot, s.gen, 0, 0);
  }
}

}  // namespace uws

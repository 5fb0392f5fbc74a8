// A coarse timer wheel: one deadline per socket, 1-second ticks, O(1) arm/disarm/expire.
// Sockets are linked into the bucket of their deadline through indices stored in the socket
// table, so an armed timer costs no allocation.
#pragma once
#include <cstdint>
#include <vector>

namespace uws {

constexpr uint32_t kNoLink = 0xffffffffu;

// 12 bytes per socket: armed is `deadline != 0` (a deadline is always a tick after the current
// one, so never 0), which keeps a flag and its padding out of every slot.
struct TimerLink {
  uint32_t deadline = 0;  // absolute tick; 0: not armed
  uint32_t prev = kNoLink;
  uint32_t next = kNoLink;
  bool armed() const { return deadline != 0; }
};

class TimerWheel {
 public:
  static constexpr uint32_t kBuckets = 256;

  TimerWheel() : heads_(kBuckets, kNoLink) {}

  uint32_t now() const { return now_; }
  uint32_t armedCount() const { return armed_; }

  // Arms (or re-arms) `slot` to fire after `seconds` full ticks: the current tick is already
  // partly over, so one more is added and a timer never fires early (it may fire up to one
  // tick late).
  template <class Links>
  void arm(Links& links, uint32_t slot, uint32_t seconds) {
    disarm(links, slot);
    TimerLink& l = links(slot);
    l.deadline = now_ + seconds + 1;
    uint32_t b = l.deadline % kBuckets;
    l.prev = kNoLink;
    l.next = heads_[b];
    if (heads_[b] != kNoLink) links(heads_[b]).prev = slot;
    heads_[b] = slot;
    ++armed_;
  }

  template <class Links>
  void disarm(Links& links, uint32_t slot) {
    TimerLink& l = links(slot);
    if (!l.armed()) return;
    uint32_t b = l.deadline % kBuckets;
    if (l.prev != kNoLink) links(l.prev).next = l.next;
    else heads_[b] = l.next;
    if (l.next != kNoLink) links(l.next).prev = l.prev;
    l.prev = l.next = kNoLink;
    l.deadline = 0;
    --armed_;
  }

  // Advances one tick and calls `fire(slot)` for every timer due now (disarmed first, so
  // `fire` may re-arm).
  template <class Links, class Fire>
  void tick(Links& links, Fire fire) {
    ++now_;
    uint32_t b = now_ % kBuckets;
    uint32_t s = heads_[b];
    while (s != kNoLink) {
      uint32_t next = links(s).next;
      if (links(s).deadline == now_) {
        disarm(links, s);
        fire(s);
      }
      s = next;
    }
  }

 private:
  std::vector<uint32_t> heads_;
  uint32_t now_ = 0;
  uint32_t armed_ = 0;
};

}  // namespace uws

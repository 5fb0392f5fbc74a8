// The slot table: every socket (connection or listener) lives in a slot with a generation
// counter, so a handle (slot, generation) held by JS can never reach a reused slot.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "socket-stream.h"
#include "timer-wheel.h"
#include "tls-session.h"

namespace uws {

// kClosed: the fd is gone but JS has not consumed the close event yet; the slot (and its peer
// address, which close handlers still read) is released at the next wake-up.
enum class SlotKind : uint8_t { kFree, kListener, kConnecting, kOpen, kLingering, kClosed };

// The peer's address, captured at accept/connect/adopt time (no syscall later, and still
// known while the close event is handled).
struct PeerAddress {
  uint8_t bytes[16] = {0};
  uint16_t port = 0;
  uint8_t family = 0;  // 0 (unknown/Unix), 4 or 6
}; 

// Unsent bytes of one socket. Exists only while the kernel refuses more (backpressure).
struct PendingBytes {
  std::string data;
  size_t offset = 0;  // bytes of `data` already written
  size_t size() const { return data.size() - offset; }
  // Drops sent bytes now and then, so a long-lived backpressured socket does not keep them.
  void compact() {
    if (offset > (1u << 20) && offset * 2 > data.size()) {
      data.erase(0, offset);
      offset = 0;
    }
  }
};

// 64 bytes per socket (a static_assert below keeps it so): the flags are bits, the free list
// runs through `listener`, and anything larger lives behind a pointer made only when needed.
struct Slot {
  int fd = -1;
  uint32_t gen = 0;
  // For listeners: their own id; for sockets: who accepted them (-1 connect, -2 adopt);
  // for a free slot: the next free slot (the free list).
  int32_t listener = -1;
  TimerLink timer;
  PeerAddress peer;
  SlotKind kind = SlotKind::kFree;
  // Bits, zeroed by value-initialisation (emplace_back) and set again by acquire().
  bool paused : 1;             // EPOLLIN removed on request of JS
  bool wantOut : 1;            // EPOLLOUT registered
  bool endAfterFlush : 1;      // end() while bytes were pending
  bool readClosed : 1;         // peer's FIN seen while lingering
  bool handshaking : 1;        // TLS: JS hears of the socket only once the handshake is done
  bool tlsWriteWantsRead : 1;  // TLS: pending bytes wait for a read (key update), not EPOLLOUT
  bool readQueued : 1;         // in the loop's read queue: found readable when the arena was full
  uint8_t stream = kPlainStream;  // which SocketStream moves its bytes (kStreams)
  std::unique_ptr<PendingBytes> pending;
  std::unique_ptr<TlsSession> tls;  // TLS sockets only; kept until release (close handlers read it)

  Slot()
      : paused(false), wantOut(false), endAfterFlush(false), readClosed(false), handshaking(false), tlsWriteWantsRead(false),
        readQueued(false) {}
};
static_assert(sizeof(Slot) <= 64, "a slot is paid for by every connection: keep it small");

class SocketTable {
 public:
  // Returns a free slot index (kNoLink when full). The slot's generation is already advanced.
  uint32_t acquire(int fd, SlotKind kind) {
    uint32_t index;
    if (freeHead_ != kNoLink) {
      index = freeHead_;
      freeHead_ = static_cast<uint32_t>(slots_[index].listener);
    } else {
      if (slots_.size() >= capacity_) return kNoLink;
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[index];
    s.fd = fd;
    s.kind = kind;
    s.paused = s.wantOut = s.endAfterFlush = s.readClosed = s.handshaking = s.tlsWriteWantsRead = s.readQueued = false;
    s.listener = -1;
    s.stream = kPlainStream;
    s.peer = PeerAddress{};
    ++live_;
    return index;
  }

  void release(uint32_t index) {
    Slot& s = slots_[index];
    s.fd = -1;
    s.kind = SlotKind::kFree;
    s.pending.reset();
    s.tls.reset();
    s.gen = (s.gen + 1) & 0x3fffffff;
    s.listener = static_cast<int32_t>(freeHead_);
    freeHead_ = index;
    --live_;
  }

  // The slot if (index, gen) still names a live one, else nullptr.
  Slot* find(uint32_t index, uint32_t gen) {
    if (index >= slots_.size()) return nullptr;
    Slot& s = slots_[index];
    if (s.kind == SlotKind::kFree || s.gen != gen) return nullptr;
    return &s;
  }

  Slot& at(uint32_t index) { return slots_[index]; }
  size_t size() const { return slots_.size(); }
  uint32_t live() const { return live_; }
  void setCapacity(uint32_t capacity) { capacity_ = capacity; }

 private:
  std::vector<Slot> slots_;
  uint32_t freeHead_ = kNoLink;
  uint32_t live_ = 0;
  uint32_t capacity_ = 1u << 22;
};

}  // namespace uws

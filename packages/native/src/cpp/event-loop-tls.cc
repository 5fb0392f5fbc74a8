// The TLS half of the event loop: handshakes, decrypting reads into the shared receive arena
// (JS sees plaintext exactly as on plain TCP), encrypting writes from the send arena, and the
// backlog of bytes OpenSSL holds that epoll cannot report.
#include <sys/socket.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "event-loop.h"

namespace uws {

namespace {

constexpr uint32_t kMaxRead = 256 * 1024;         // per socket per wake-up, as for plain TCP
constexpr size_t kTlsRecord = 16 * 1024;
// Busy sessions keeping their record buffers (~34 KiB of address space, a page or two of it
// touched by small messages) between sweeps; past this many, a session frees them after each
// read and write, as when every connection was treated as idle.
constexpr size_t kTlsBuffersKept = 256;
// Reads and writes within one tick that make a session busy. The exchange that ends a
// handshake (the request head in, the 101 out) is two: a connection that only did that and
// then went idle never keeps its buffers.
constexpr uint8_t kBusyTraffic = 4;
// Server handshakes between two heap trims (see trimAfterHandshakes).
constexpr uint32_t kHandshakesPerTrim = 256;

}  // namespace

void EventLoop::driveHandshake(uint32_t slot) {
  Slot& s = table_.at(slot);
  switch (s.tls->handshake()) {
    case TlsStep::kDone: {
      s.handshaking = false;
      s.wantOut = false;
      if (s.tls->server() && s.tls->releasesBuffers()) ++handshakesSinceTrim_;
      if (s.listener >= 0) {
        auto links = [this](uint32_t k) -> TimerLink& { return link(k); };
        wheel_.disarm(links, slot);  // the handshake deadline; JS arms its own
      }
      updateInterest(slot);
      pushEvent(kEvOpen, slot, s.gen, s.listener >= 0 ? s.listener : -1, 0);
      if (s.pending) writeOutTls(slot);  // bytes JS queued while connecting
      // Data that came with the last flight; otherwise epoll reports it (an SSL_read finding
      // nothing would allocate OpenSSL's read buffer for an idle connection).
      if (table_.at(slot).kind != SlotKind::kOpen) return;
      if (s.tls->hasBuffered()) readTls(slot);
      else s.tls->releaseIdleBuffers();
      return;
    }
    case TlsStep::kWantRead:
      // Waiting for the peer's next flight, maybe for long: hold no buffers meanwhile.
      s.tls->releaseIdleBuffers();
      if (s.wantOut) {
        s.wantOut = false;
        updateInterest(slot);
      }
      return;
    case TlsStep::kWantWrite:
      if (!s.wantOut) {
        s.wantOut = true;
        updateInterest(slot);
      }
      return;
    case TlsStep::kWantName:
      // Suspended until JS had its say (runBatch resumes it); no reads meanwhile.
      s.paused = true;
      updateInterest(slot);
      nameWaiting_.emplace_back(slot, s.gen);
      pushEvent(kEvServerName, slot, s.gen, s.tls->context().id(), 0);
      return;
    case TlsStep::kClosed:
    case TlsStep::kFailed:
      failTls(slot);
      return;
  }
}

void EventLoop::failTls(uint32_t slot) {
  int err = table_.at(slot).tls->errorErrno();
  closeSlot(slot, err != 0 ? err : EPROTO);
}

bool EventLoop::readTls(uint32_t slot) {
  Slot& s = table_.at(slot);
  uint32_t total = 0;
  for (;;) {
    uint32_t room = kReceiveArenaBytes - arenaUsed_;
    if (room < kMinTlsReadRoom || total >= kMaxRead) {
      // Stopped early: what OpenSSL already holds must not wait for an epoll event.
      if (s.tls->hasBuffered()) {
        tlsBacklog_.emplace_back(slot, s.gen);
        kick();
      }
      noteTlsTraffic(slot);
      return total > 0;
    }
    if (room > kMaxRead) room = kMaxRead;
    size_t n = 0;
    switch (s.tls->read(mem_.receiveArena + arenaUsed_, room, &n)) {
      case TlsStep::kDone:
        pushEvent(kEvData, slot, s.gen, static_cast<int32_t>(arenaUsed_), static_cast<int32_t>(n));
        arenaUsed_ += static_cast<uint32_t>((n + 7) & ~size_t{7});  // keep views 8-byte aligned
        total += static_cast<uint32_t>(n);
        // A short record with nothing behind it inside OpenSSL: the peer most likely sent no
        // more, and epoll (level-triggered) reports it if it did. Asking again would cost a
        // read(2) that finds nothing and OpenSSL's buffer re-allocated, per message.
        if (n < kTlsRecord && !s.tls->hasBuffered()) {
          noteTlsTraffic(slot);
          return true;
        }
        continue;
      case TlsStep::kWantRead:
        noteTlsTraffic(slot);
        return total > 0;
      case TlsStep::kWantWrite:
        // The read must send something (a key update's answer) and the socket is full.
        if (!s.wantOut) {
          s.wantOut = true;
          updateInterest(slot);
        }
        return total > 0;
      case TlsStep::kWantName:
      case TlsStep::kFailed:
        failTls(slot);
        return total > 0;
      case TlsStep::kClosed:
        s.tls->shutdown();  // answer the close_notify, best effort
        closeSlot(slot, 0);
        return total > 0;
    }
  }
}

void EventLoop::readBacklog() {
  if (tlsBacklog_.empty()) return;
  std::vector<std::pair<uint32_t, uint32_t>> list;
  list.swap(tlsBacklog_);
  for (auto& entry : list) {
    Slot* s = table_.find(entry.first, entry.second);
    if (s == nullptr || s->kind != SlotKind::kOpen || s->paused || !s->tls || s->handshaking) continue;
    if (ringFull()) {
      tlsBacklog_.push_back(entry);
      continue;
    }
    readTls(entry.first);
  }
  if (!tlsBacklog_.empty()) kick();
}

void EventLoop::sendTls(uint32_t slot, iovec* iov, int count) {
  Slot& s = table_.at(slot);
  if (s.pending || s.handshaking) {
    // Order: behind what already waits (or until the handshake is done).
    keepPending(slot, nullptr, 0, iov, count, 0, 0);
    return;
  }
  if (tlsScratch_.empty()) tlsScratch_.resize(kTlsRecord);
  uint8_t* scratch = tlsScratch_.data();
  int k = 0;
  size_t off = 0;
  for (;;) {
    const uint8_t* chunk = scratch;
    size_t fill = 0;
    if (k < count && (k == count - 1 || iov[k].iov_len - off >= kTlsRecord)) {
      // The last buffer, or a record's worth in one: encrypted where it is, no staging copy.
      chunk = static_cast<const uint8_t*>(iov[k].iov_base) + off;
      fill = std::min(iov[k].iov_len - off, kTlsRecord);
      off += fill;
      if (off == iov[k].iov_len) {
        ++k;
        off = 0;
      }
    } else {
      // Small messages are coalesced so each record (and its MAC and header) carries up to 16 KiB.
      while (k < count && fill < kTlsRecord) {
        size_t n = std::min(iov[k].iov_len - off, kTlsRecord - fill);
        std::memcpy(scratch + fill, static_cast<const uint8_t*>(iov[k].iov_base) + off, n);
        fill += n;
        off += n;
        if (off == iov[k].iov_len) {
          ++k;
          off = 0;
        }
      }
    }
    if (fill == 0) {
      noteTlsTraffic(slot);
      return;
    }
    size_t done = 0;
    TlsStep step = TlsStep::kDone;
    while (done < fill) {
      size_t n = 0;
      step = s.tls->write(chunk + done, fill - done, &n);
      if (step != TlsStep::kDone) break;
      done += n;
    }
    if (done == fill) continue;
    if (step == TlsStep::kWantRead || step == TlsStep::kWantWrite) {
      keepPending(slot, chunk + done, fill - done, iov, count, k, off);
      waitForWrite(slot, step);
      noteTlsTraffic(slot);
      return;
    }
    // Fatal: like the plain path, the read side reports the error and closes.
    ::shutdown(s.fd, SHUT_RDWR);
    return;
  }
}

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

void EventLoop::waitForWrite(uint32_t slot, TlsStep step) {
  Slot& s = table_.at(slot);
  // A write that needs a read first waits for EPOLLIN; EPOLLOUT would fire in a busy loop.
  s.tlsWriteWantsRead = step == TlsStep::kWantRead;
  bool wantOut = step == TlsStep::kWantWrite;
  if (s.wantOut != wantOut) {
    s.wantOut = wantOut;
    updateInterest(slot);
  }
  setBuffered(slot);
}

void EventLoop::writeOutTls(uint32_t slot) {
  Slot& s = table_.at(slot);
  PendingBytes& p = *s.pending;
  s.tlsWriteWantsRead = false;
  while (p.size() > 0) {
    size_t n = 0;
    // The retry starts with the same bytes, and is at least as long (OpenSSL's rule).
    TlsStep step = s.tls->write(reinterpret_cast<const uint8_t*>(p.data.data()) + p.offset, std::min(p.size(), kTlsRecord), &n);
    if (step == TlsStep::kDone) {
      p.offset += n;
      continue;
    }
    if (step == TlsStep::kWantRead || step == TlsStep::kWantWrite) {
      p.compact();
      waitForWrite(slot, step);
      return;
    }
    failTls(slot);
    return;
  }
  noteTlsTraffic(slot);
  pendingWritten(slot);
}

void EventLoop::noteTlsTraffic(uint32_t slot) {
  Slot& s = table_.at(slot);
  TlsSession& tls = *s.tls;
  if (!tls.releasesBuffers()) return;
  tls.busy = true;
  if (tls.holdingListed) return;
  uint32_t now = static_cast<uint32_t>(wheel_.now());
  if (tls.trafficTick != now) {
    tls.trafficTick = now;
    tls.trafficCount = 0;
  }
  if (tls.trafficCount < kBusyTraffic) ++tls.trafficCount;
  if (tls.trafficCount >= kBusyTraffic && tlsHolding_.size() < kTlsBuffersKept) {
    // OpenSSL would free and reallocate both record buffers for every record; a busy
    // connection keeps them until a sweep finds it idle.
    tls.holdingListed = true;
    tlsHolding_.emplace_back(slot, s.gen);
    return;
  }
  tls.releaseIdleBuffers();
}

void EventLoop::trimAfterHandshakes() {
  // A handshake allocates some 50 KiB (the SSL, its record buffers, key shares, the
  // certificate chain's encoding) and frees it, while the connection's own few hundred bytes
  // stay: after a burst of connections the freed memory lies between live allocations, where
  // free() never returns it to the system. Measured at 5 000 idle TLS connections: 2.6 KiB
  // of heap per connection before a trim, 1.3 KiB after; a trim takes 1–5 ms, paid once per
  // tick at most and only after kHandshakesPerTrim handshakes (< 2% of their CPU time).
  if (handshakesSinceTrim_ < kHandshakesPerTrim) return;
  handshakesSinceTrim_ = 0;
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void EventLoop::sweepTlsBuffers() {
  // Every tick: a session that moved no bytes since the previous tick gives its buffers back
  // (so an idle connection holds none after one or two ticks); closed ones leave the list.
  size_t kept = 0;
  for (size_t i = 0; i < tlsHolding_.size(); i++) {
    auto entry = tlsHolding_[i];
    Slot* s = table_.find(entry.first, entry.second);
    if (s == nullptr || !s->tls) continue;
    TlsSession& tls = *s->tls;
    if (tls.busy) {
      tls.busy = false;
    } else if (tls.releaseIdleBuffers()) {
      tls.holdingListed = false;
      continue;
    }
    tlsHolding_[kept++] = entry;
  }
  tlsHolding_.resize(kept);
}

}  // namespace uws

#include "tls-stream.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "event-loop.h"

namespace uws {

namespace {

// A TLS read needs room for one full record of plaintext.
constexpr uint32_t kMinTlsReadRoom = 16 * 1024 + 64;
constexpr uint32_t kMaxRead = 256 * 1024;  // per socket per wake-up
constexpr size_t kTlsRecord = 16 * 1024;
// Busy sessions keeping their record buffers (~34 KiB of address space, a page or two of it
// touched by small messages) between sweeps; past this many, a session frees them after each
// read and write, as when every connection was treated as idle.
constexpr size_t kTlsBuffersKept = 256;
// Reads and writes within one tick that make a session busy. The exchange that ends a
// handshake (the request head in, the 101 out) is two: a connection that only did that and
// then went idle never keeps its buffers.
constexpr uint8_t kBusyTraffic = 4;

}  // namespace

const SocketStream kTlsStreamOps = {
    kMinTlsReadRoom, TlsStream::ready, TlsStream::read, TlsStream::send, TlsStream::connected, TlsStream::closing,
    TlsStream::resumed,
};

// ---- choosing TLS for a socket -----------------------------------------------------------

bool TlsStream::attachServer(EventLoop& loop, uint32_t slot, const std::shared_ptr<TlsContext>& context) {
  Slot& s = loop.table_.at(slot);
  s.tls = TlsSession::create(context, s.fd, true, "");
  if (!s.tls) return false;
  s.stream = kTlsStream;
  // JS hears of it when the handshake completed; until then the deadline is ours.
  s.handshaking = true;
  loop.armTimer(slot, context->handshakeSeconds());
  return true;
}

bool TlsStream::attachClient(EventLoop& loop, uint32_t slot, std::shared_ptr<TlsContext> context, const std::string& host,
                             int port, const std::string& serverName) {
  Slot& s = loop.table_.at(slot);
  // One cache entry per server: its address, port and the name its certificate was checked for.
  std::string sessionKey = serverName + '\n' + host + '\n' + std::to_string(port);
  s.tls = TlsSession::create(std::move(context), s.fd, false, serverName, sessionKey);
  if (!s.tls) return false;
  s.stream = kTlsStream;
  return true;
}

// ---- the SocketStream functions ----------------------------------------------------------

bool TlsStream::ready(EventLoop& loop, uint32_t slot, uint32_t ev) {
  Slot& s = loop.table_.at(slot);
  // Lingering: nothing waits to be sent (end() sent it first); only the read side matters.
  if (s.kind != SlotKind::kOpen) return true;
  if (s.handshaking) {
    driveHandshake(loop, slot);
    return false;
  }
  if (s.pending && ((ev & EPOLLOUT) || (s.tlsWriteWantsRead && (ev & EPOLLIN)))) {
    writeOut(loop, slot);
    if (s.kind != SlotKind::kOpen) return false;
  } else if ((ev & EPOLLOUT) && !s.pending && s.wantOut) {
    // A read that had to send (a key update's answer) found the socket full: read again.
    loop.setWantOut(slot, false);
    read(loop, slot);
    return false;
  }
  return true;
}

void TlsStream::connected(EventLoop& loop, uint32_t slot) {
  loop.table_.at(slot).handshaking = true;
  driveHandshake(loop, slot);  // sends the ClientHello
}

void TlsStream::closing(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  if (!s.handshaking) s.tls->shutdown();  // close_notify before our FIN
}

void TlsStream::resumed(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  // Bytes OpenSSL already decrypted raise no epoll event.
  if (s.tls->hasBuffered()) {
    loop.tls_.backlog.emplace_back(slot, s.gen);
    loop.poller_.kick();
  }
}

// ---- the handshake -----------------------------------------------------------------------

void TlsStream::driveHandshake(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  switch (s.tls->handshake()) {
    case TlsStep::kDone: {
      s.handshaking = false;
      s.wantOut = false;
      if (s.tls->server() && s.tls->releasesBuffers()) loop.heapTrim_.noteHandshake();
      if (s.listener >= 0) loop.disarmTimer(slot);  // the handshake deadline; JS arms its own
      loop.updateInterest(slot);
      loop.pushEvent(kEvOpen, slot, s.gen, s.listener >= 0 ? s.listener : -1, 0);
      if (s.pending) writeOut(loop, slot);  // bytes JS queued while connecting
      // Data that came with the last flight; otherwise epoll reports it (an SSL_read finding
      // nothing would allocate OpenSSL's read buffer for an idle connection).
      if (s.kind != SlotKind::kOpen) return;
      if (s.tls->hasBuffered()) read(loop, slot);
      else s.tls->releaseIdleBuffers();
      return;
    }
    case TlsStep::kWantRead:
      // Waiting for the peer's next flight, maybe for long: hold no buffers meanwhile.
      s.tls->releaseIdleBuffers();
      loop.setWantOut(slot, false);
      return;
    case TlsStep::kWantWrite:
      loop.setWantOut(slot, true);
      return;
    case TlsStep::kWantName:
      // Suspended until JS had its say (runBatch → resumeNamed); no reads meanwhile.
      s.paused = true;
      loop.updateInterest(slot);
      loop.tls_.nameWaiting.emplace_back(slot, s.gen);
      loop.pushEvent(kEvServerName, slot, s.gen, s.tls->context().id(), 0);
      return;
    case TlsStep::kClosed:
    case TlsStep::kFailed:
      fail(loop, slot);
      return;
  }
}

void TlsStream::resumeNamed(EventLoop& loop) {
  std::vector<std::pair<uint32_t, uint32_t>> waiting;
  waiting.swap(loop.tls_.nameWaiting);
  for (auto& w : waiting) {
    Slot* s = loop.table_.find(w.first, w.second);
    if (s == nullptr || s->kind != SlotKind::kOpen || !s->handshaking) continue;
    s->paused = false;
    loop.updateInterest(w.first);
    driveHandshake(loop, w.first);
  }
}

void TlsStream::fail(EventLoop& loop, uint32_t slot) {
  int err = loop.table_.at(slot).tls->errorErrno();
  loop.closeSlot(slot, err != 0 ? err : EPROTO);
}

// ---- reading -----------------------------------------------------------------------------

bool TlsStream::read(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  uint32_t total = 0;
  for (;;) {
    uint32_t room = kReceiveArenaBytes - loop.arenaUsed_;
    if (room < kMinTlsReadRoom || total >= kMaxRead) {
      // Stopped early: what OpenSSL already holds must not wait for an epoll event.
      if (s.tls->hasBuffered()) {
        loop.tls_.backlog.emplace_back(slot, s.gen);
        loop.poller_.kick();
      }
      noteTraffic(loop, slot);
      return total > 0;
    }
    if (room > kMaxRead) room = kMaxRead;
    size_t n = 0;
    switch (s.tls->read(loop.mem_.receiveArena + loop.arenaUsed_, room, &n)) {
      case TlsStep::kDone:
        loop.delivered(slot, n);
        total += static_cast<uint32_t>(n);
        // A short record with nothing behind it inside OpenSSL: the peer most likely sent no
        // more, and epoll (level-triggered) reports it if it did. Asking again would cost a
        // read(2) that finds nothing and OpenSSL's buffer re-allocated, per message.
        if (n < kTlsRecord && !s.tls->hasBuffered()) {
          noteTraffic(loop, slot);
          return true;
        }
        continue;
      case TlsStep::kWantRead:
        noteTraffic(loop, slot);
        return total > 0;
      case TlsStep::kWantWrite:
        // The read must send something (a key update's answer) and the socket is full.
        loop.setWantOut(slot, true);
        return total > 0;
      case TlsStep::kWantName:
      case TlsStep::kFailed:
        fail(loop, slot);
        return total > 0;
      case TlsStep::kClosed:
        s.tls->shutdown();  // answer the close_notify, best effort
        loop.closeSlot(slot, 0);
        return total > 0;
    }
  }
}

void TlsStream::readBacklog(EventLoop& loop) {
  if (loop.tls_.backlog.empty()) return;
  std::vector<std::pair<uint32_t, uint32_t>> list;
  list.swap(loop.tls_.backlog);
  for (auto& entry : list) {
    Slot* s = loop.table_.find(entry.first, entry.second);
    if (s == nullptr || s->kind != SlotKind::kOpen || s->paused || !s->tls || s->handshaking) continue;
    if (loop.ringFull()) {
      loop.tls_.backlog.push_back(entry);
      continue;
    }
    read(loop, entry.first);
  }
  if (!loop.tls_.backlog.empty()) loop.poller_.kick();
}

// ---- writing -----------------------------------------------------------------------------

void TlsStream::send(EventLoop& loop, uint32_t slot, iovec* iov, int count) {
  Slot& s = loop.table_.at(slot);
  if (s.pending || s.handshaking) {
    // Order: behind what already waits (or until the handshake is done).
    loop.keepPending(slot, nullptr, 0, iov, count, 0, 0);
    return;
  }
  std::vector<uint8_t>& scratchBuffer = loop.tls_.scratch;
  if (scratchBuffer.empty()) scratchBuffer.resize(kTlsRecord);
  uint8_t* scratch = scratchBuffer.data();
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
      noteTraffic(loop, slot);
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
      loop.keepPending(slot, chunk + done, fill - done, iov, count, k, off);
      waitForWrite(loop, slot, step);
      noteTraffic(loop, slot);
      return;
    }
    // Fatal: like the plain path, the read side reports the error and closes.
    ::shutdown(s.fd, SHUT_RDWR);
    return;
  }
}

void TlsStream::waitForWrite(EventLoop& loop, uint32_t slot, TlsStep step) {
  Slot& s = loop.table_.at(slot);
  // A write that needs a read first waits for EPOLLIN; EPOLLOUT would fire in a busy loop.
  s.tlsWriteWantsRead = step == TlsStep::kWantRead;
  loop.setWantOut(slot, step == TlsStep::kWantWrite);
  loop.setBuffered(slot);
}

void TlsStream::writeOut(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
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
      waitForWrite(loop, slot, step);
      return;
    }
    fail(loop, slot);
    return;
  }
  noteTraffic(loop, slot);
  loop.pendingWritten(slot);
}

// ---- OpenSSL's record buffers ------------------------------------------------------------

void TlsStream::noteTraffic(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  TlsSession& tls = *s.tls;
  if (!tls.releasesBuffers()) return;
  tls.busy = true;
  if (tls.holdingListed) return;
  uint32_t now = static_cast<uint32_t>(loop.wheel_.now());
  if (tls.trafficTick != now) {
    tls.trafficTick = now;
    tls.trafficCount = 0;
  }
  if (tls.trafficCount < kBusyTraffic) ++tls.trafficCount;
  if (tls.trafficCount >= kBusyTraffic && loop.tls_.holding.size() < kTlsBuffersKept) {
    // OpenSSL would free and reallocate both record buffers for every record; a busy
    // connection keeps them until a sweep finds it idle.
    tls.holdingListed = true;
    loop.tls_.holding.emplace_back(slot, s.gen);
    return;
  }
  tls.releaseIdleBuffers();
}

void TlsStream::sweepBuffers(EventLoop& loop) {
  // Every tick: a session that moved no bytes since the previous tick gives its buffers back
  // (so an idle connection holds none after one or two ticks); closed ones leave the list.
  auto& holding = loop.tls_.holding;
  size_t kept = 0;
  for (size_t i = 0; i < holding.size(); i++) {
    auto entry = holding[i];
    Slot* s = loop.table_.find(entry.first, entry.second);
    if (s == nullptr || !s->tls) continue;
    TlsSession& tls = *s->tls;
    if (tls.busy) {
      tls.busy = false;
    } else if (tls.releaseIdleBuffers()) {
      tls.holdingListed = false;
      continue;
    }
    holding[kept++] = entry;
  }
  holding.resize(kept);
}

}  // namespace uws

#include "plain-stream.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "event-loop.h"

namespace uws {

namespace {

// A read needs at least this much room left in the arena, else it waits for the next wake-up
// (in the read queue).
constexpr uint32_t kMinReadRoom = 16 * 1024;
// Reads are capped so one busy socket cannot take the whole arena; a large message still
// arrives in few reads (each one a batch handed to JS).
constexpr uint32_t kMaxRead = 512 * 1024;

}  // namespace

const SocketStream kPlainStreamOps = {
    kMinReadRoom, PlainStream::ready, PlainStream::read, PlainStream::send, PlainStream::connected, PlainStream::closing,
    PlainStream::resumed,
};

bool PlainStream::ready(EventLoop& loop, uint32_t slot, uint32_t ev) {
  Slot& s = loop.table_.at(slot);
  if ((ev & EPOLLOUT) && s.pending) {
    writeOut(loop, slot);
    if (s.kind == SlotKind::kClosed) return false;
  }
  return true;
}

bool PlainStream::read(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  uint32_t room = kReceiveArenaBytes - loop.arenaUsed_;
  if (room < kMinReadRoom) return false;  // next wake-up
  if (room > kMaxRead) room = kMaxRead;
  ssize_t r = ::read(s.fd, loop.mem_.receiveArena + loop.arenaUsed_, room);
  if (r > 0) {
    loop.delivered(slot, static_cast<size_t>(r));
    return true;
  }
  if (r == 0) {
    loop.closeSlot(slot, 0);
  } else if (errno != EAGAIN && errno != EINTR) {
    loop.closeSlot(slot, errno);
  }
  return false;
}

void PlainStream::send(EventLoop& loop, uint32_t slot, iovec* iov, int count) {
  Slot& s = loop.table_.at(slot);
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
  int from = 0;
  while (from < count && written >= iov[from].iov_len) written -= iov[from++].iov_len;
  loop.keepPending(slot, nullptr, 0, iov, count, from, written);
  loop.setWantOut(slot, true);
}

void PlainStream::writeOut(EventLoop& loop, uint32_t slot) {
  Slot& s = loop.table_.at(slot);
  PendingBytes& p = *s.pending;
  while (p.size() > 0) {
    ssize_t w = ::send(s.fd, p.data.data() + p.offset, p.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      loop.closeSlot(slot, errno);
      return;
    }
    p.offset += static_cast<size_t>(w);
  }
  if (p.size() > 0) {
    p.compact();
    loop.setBuffered(slot);
    return;
  }
  loop.pendingWritten(slot);
}

void PlainStream::connected(EventLoop& loop, uint32_t slot) {
  loop.updateInterest(slot);
  loop.pushEvent(kEvOpen, slot, loop.table_.at(slot).gen, -1, 0);
}

}  // namespace uws

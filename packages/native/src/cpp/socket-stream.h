// One socket's byte stream as the loop sees it: plain TCP or TLS, chosen per socket when it is
// accepted or connected (Slot::stream) and reached through this table of functions, so the
// loop itself never asks which one a socket is. One indirect call per readiness event or per
// send run, never per byte. The implementations live in plain-stream.cc and tls-stream.cc.
#pragma once
#include <sys/uio.h>

#include <cstdint>

namespace uws {

class EventLoop;

struct SocketStream {
  // Room the receive arena must have left for a read to be worth it (TLS: a full record).
  uint32_t minReadRoom;
  // A readiness event on an open or lingering socket, before any read: the handshake, bytes
  // waiting for EPOLLOUT. False when the event is used up (or the socket closed): no read follows.
  bool (*ready)(EventLoop& loop, uint32_t slot, uint32_t events);
  // Reads what the socket has into the receive arena (the caller checked there is room);
  // true when bytes were delivered.
  bool (*read)(EventLoop& loop, uint32_t slot);
  // Sends a run of the send queue (or JS's direct bytes), keeping what the kernel refuses.
  void (*send)(EventLoop& loop, uint32_t slot, iovec* iov, int count);
  // The TCP connect completed: JS hears of the socket now (plain) or after the handshake (TLS).
  void (*connected)(EventLoop& loop, uint32_t slot);
  // end(): the last words before our FIN (TLS: close_notify).
  void (*closing)(EventLoop& loop, uint32_t slot);
  // JS resumed reading: bytes the stream holds itself raise no epoll event.
  void (*resumed)(EventLoop& loop, uint32_t slot);
};

extern const SocketStream kPlainStreamOps;
extern const SocketStream kTlsStreamOps;
// Slot::stream indexes kStreams.
enum StreamId : uint8_t { kPlainStream = 0, kTlsStream = 1 };
inline constexpr const SocketStream* kStreams[] = {&kPlainStreamOps, &kTlsStreamOps};

}  // namespace uws

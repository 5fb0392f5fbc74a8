// Plain TCP as a SocketStream: reads straight into the receive arena, one sendmsg per run of
// the send queue, what the kernel refuses kept in the backpressure buffer until EPOLLOUT.
#pragma once
#include <sys/uio.h>

#include <cstdint>

namespace uws {

class EventLoop;

struct PlainStream {
  static bool ready(EventLoop& loop, uint32_t slot, uint32_t events);
  static bool read(EventLoop& loop, uint32_t slot);
  static void send(EventLoop& loop, uint32_t slot, iovec* iov, int count);
  static void connected(EventLoop& loop, uint32_t slot);
  static void closing(EventLoop&, uint32_t) {}
  static void resumed(EventLoop&, uint32_t) {}

 private:
  // EPOLLOUT: writes the backpressure buffer.
  static void writeOut(EventLoop& loop, uint32_t slot);
};

}  // namespace uws

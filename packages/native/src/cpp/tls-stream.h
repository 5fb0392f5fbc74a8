// TLS as a SocketStream: the handshake (JS hears of the socket once it completed), decrypting
// reads into the shared receive arena (JS sees plaintext exactly as on plain TCP), encrypting
// writes from the send arena, and the bytes OpenSSL holds that epoll cannot report. The
// session itself (OpenSSL, our record layer) is TlsSession; this is how the loop drives it.
// The per-loop state is EventLoop::tls_ (TlsLoopState).
#pragma once
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>

#include "tls-step.h"

namespace uws {

class EventLoop;
class TlsContext;

struct TlsStream {
  // Gives an accepted socket its session and the handshake deadline; false when OpenSSL
  // cannot make the session.
  static bool attachServer(EventLoop& loop, uint32_t slot, const std::shared_ptr<TlsContext>& context);
  // Gives a connecting socket its client session (SNI `serverName`, resumption keyed by the
  // server's name, address and port); false when OpenSSL cannot make it.
  static bool attachClient(EventLoop& loop, uint32_t slot, std::shared_ptr<TlsContext> context, const std::string& host,
                           int port, const std::string& serverName);

  // The SocketStream functions.
  static bool ready(EventLoop& loop, uint32_t slot, uint32_t events);
  static bool read(EventLoop& loop, uint32_t slot);
  static void send(EventLoop& loop, uint32_t slot, iovec* iov, int count);
  static void connected(EventLoop& loop, uint32_t slot);
  static void closing(EventLoop& loop, uint32_t slot);
  static void resumed(EventLoop& loop, uint32_t slot);

  // Each wake-up: reads the sockets whose decrypted bytes were left inside OpenSSL.
  static void readBacklog(EventLoop& loop);
  // After JS heard of unknown server names: resumes those handshakes.
  static void resumeNamed(EventLoop& loop);
  // Each tick: an idle session gives its record buffers back.
  static void sweepBuffers(EventLoop& loop);

 private:
  static void driveHandshake(EventLoop& loop, uint32_t slot);
  static void fail(EventLoop& loop, uint32_t slot);
  static void writeOut(EventLoop& loop, uint32_t slot);
  static void waitForWrite(EventLoop& loop, uint32_t slot, TlsStep step);
  // OpenSSL's record buffers: a busy connection keeps them, an idle one gives them back.
  static void noteTraffic(EventLoop& loop, uint32_t slot);
};

}  // namespace uws

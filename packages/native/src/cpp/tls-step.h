// What a TLS operation asks the event loop to do next.
#pragma once

namespace uws {

enum class TlsStep {
  kDone,        // handshake finished / bytes moved
  kWantRead,    // wait for EPOLLIN
  kWantWrite,   // wait for EPOLLOUT
  kWantName,    // ClientHello suspended: JS is asked about an unknown server name
  kClosed,      // the peer closed (close_notify or EOF)
  kFailed,      // protocol or I/O error; see error()
};

}  // namespace uws

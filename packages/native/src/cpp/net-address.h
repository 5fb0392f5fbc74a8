// Socket creation for listening and connecting, and peer address formatting. Plain POSIX;
// every function reports failure as -1 with errno set, never by throwing.
#pragma once
#include <string>

namespace uws {

struct ListenRequest {
  std::string host;  // numeric address; empty: "::" (dual-stack) or 0.0.0.0 without IPv6
  int port = 0;
  std::string path;  // Unix socket path; when set, host/port are ignored
  int backlog = 511;
  bool reusePort = false;
  bool ipv6Only = false;
};

// A non-blocking listening socket, or -1 (errno set). `boundPort` receives the actual port.
int openListener(const ListenRequest& req, int* boundPort);

// A non-blocking socket with a connect in progress to a numeric host, or -1 (errno set).
int openConnection(const std::string& host, int port);

// Prepares an adopted socket: non-blocking, close-on-exec, TCP_NODELAY.
void prepareConnectedSocket(int fd);

// TCP_NODELAY (an accepted socket is already non-blocking and close-on-exec: accept4's flags).
void setNoDelay(int fd);

struct PeerAddress;

// Fills `out` from a socket address (IPv4, IPv6; anything else leaves it empty).
void capturePeer(const void* sockaddrStorage, PeerAddress* out);
// Fills `out` with the peer of a connected socket.
void capturePeerOf(int fd, PeerAddress* out);
// "127.0.0.1", "::1", "::ffff:127.0.0.1"; "" when unknown (Unix socket).
std::string formatPeer(const PeerAddress& peer);

}  // namespace uws

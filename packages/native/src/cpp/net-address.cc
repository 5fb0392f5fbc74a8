#include "net-address.h"

#include "socket-table.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace uws {

namespace {

// Closes `fd` keeping the errno of the failure that made us give up on it.
int failWith(int fd) {
  int saved = errno;
  if (fd >= 0) ::close(fd);
  errno = saved;
  return -1;
}

bool parseAddress(const std::string& host, int port, sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof(*out));
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

int listenUnix(const ListenRequest& req) {
  sockaddr_un addr{};
  if (req.path.size() >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, req.path.data(), req.path.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) return failWith(fd);
  if (::listen(fd, req.backlog) < 0) return failWith(fd);
  return fd;
}

}  // namespace

int openListener(const ListenRequest& req, int* boundPort) {
  *boundPort = 0;
  if (!req.path.empty()) return listenUnix(req);

  sockaddr_storage addr;
  socklen_t len;
  std::string host = req.host.empty() ? "::" : req.host;
  if (!parseAddress(host, req.port, &addr, &len)) {
    if (!req.host.empty()) {
      errno = EINVAL;
      return -1;
    }
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && req.host.empty()) {
    // No IPv6 on this machine: fall back to every IPv4 interface.
    parseAddress("0.0.0.0", req.port, &addr, &len);
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return -1;

  int one = 1;
  // SO_REUSEADDR only lets us rebind over TIME_WAIT; sharing a live port needs SO_REUSEPORT.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (req.reusePort && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) return failWith(fd);
  if (addr.ss_family == AF_INET6) {
    int v6only = req.ipv6Only ? 1 : 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0) return failWith(fd);
  if (::listen(fd, req.backlog) < 0) return failWith(fd);

  sockaddr_storage bound;
  socklen_t boundLen = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &boundLen) == 0) {
    *boundPort = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                             : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return fd;
}

int openConnection(const std::string& host, int port) {
  sockaddr_storage addr;
  socklen_t len;
  if (!parseAddress(host, port, &addr, &len)) {
    errno = EINVAL;
    return -1;
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0 && errno != EINPROGRESS) return failWith(fd);
  return fd;
}

void setNoDelay(int fd) {
  int one = 1;
  // Fails harmlessly on Unix sockets.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void prepareConnectedSocket(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  setNoDelay(fd);
}

void capturePeer(const void* storage, PeerAddress* out) {
  *out = PeerAddress{};
  const auto* addr = static_cast<const sockaddr_storage*>(storage);
  if (addr->ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    std::memcpy(out->bytes, &v4->sin_addr, 4);
    out->port = ntohs(v4->sin_port);
    out->family = 4;
  } else if (addr->ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    std::memcpy(out->bytes, &v6->sin6_addr, 16);
    out->port = ntohs(v6->sin6_port);
    out->family = 6;
  }
}

void capturePeerOf(int fd, PeerAddress* out) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    *out = PeerAddress{};
    return;
  }
  capturePeer(&addr, out);
}

std::string formatPeer(const PeerAddress& peer) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (peer.family == 4) inet_ntop(AF_INET, peer.bytes, text, sizeof(text));
  else if (peer.family == 6) inet_ntop(AF_INET6, peer.bytes, text, sizeof(text));
  return text;
}

}  // namespace uws

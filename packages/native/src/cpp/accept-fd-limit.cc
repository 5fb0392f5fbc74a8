#include "accept-fd-limit.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace uws {

namespace {

// Connections shed per call: the backlog is bounded by the listener's, this only keeps one
// wake-up from running long while connections keep arriving.
constexpr int kShedBurst = 1024;

int openReserve() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

bool isFdExhaustion(int err) { return err == EMFILE || err == ENFILE; }

AcceptFdLimit::AcceptFdLimit() : reserve_(openReserve()) {}

AcceptFdLimit::~AcceptFdLimit() {
  if (reserve_ >= 0) ::close(reserve_);
}

bool AcceptFdLimit::onAcceptFailed(int listenFd, int err) {
  if (!stats_.atLimit) {
    stats_.atLimit = true;
    ++stats_.episodes;
    // Once per episode, not per attempt: a log line per refused connection would flood.
    std::fprintf(stderr,
                 "uws: accept() failed with %s (out of file descriptors): new connections are closed at once "
                 "until descriptors free up (raise `ulimit -n`)\n",
                 std::strerror(err));
  }
  if (reserve_ < 0) return false;
  ::close(reserve_);
  reserve_ = -1;
  bool drained = false;
  for (int i = 0; i < kShedBurst; i++) {
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      drained = errno == EAGAIN || errno == EWOULDBLOCK;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;
    }
    ::close(fd);
    ++stats_.shed;
  }
  reserve_ = openReserve();
  // Without a reserve, or with connections still waiting that we could not shed, the listen fd
  // stays readable: pause it rather than wake up again at once.
  return drained && reserve_ >= 0;
}

void AcceptFdLimit::onAccepted() {
  if (!stats_.atLimit) return;
  stats_.atLimit = false;
  std::fprintf(stderr, "uws: accepting connections again (%llu shed so far at the descriptor limit)\n",
               static_cast<unsigned long long>(stats_.shed));
}

void AcceptFdLimit::refill() {
  if (reserve_ < 0) reserve_ = openReserve();
}

}  // namespace uws

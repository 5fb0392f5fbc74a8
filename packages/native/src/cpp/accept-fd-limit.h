// What the accept path does when the process is out of file descriptors (EMFILE/ENFILE).
// The listen fd stays readable while connections wait in its backlog, and epoll is
// level-triggered: retrying accept() on every wake-up would spin the loop at 100% CPU without
// ever taking a connection. Instead, like libuv and uSockets, one descriptor is kept in reserve:
// at the limit it is closed, the waiting connections are accepted and closed at once (the peer
// sees its connection end instead of hanging in the backlog), and the reserve is reopened. If
// the reserve cannot be had back (another thread took the freed number), the listener is
// paused until the next tick or until one of our sockets closes. Each episode is logged once.
#pragma once
#include <cstdint>

namespace uws {

struct AcceptFdLimitStats {
  uint64_t episodes = 0;  // times the process ran into the limit (each logged once)
  uint64_t shed = 0;      // connections accepted and closed at once for lack of descriptors
  bool atLimit = false;   // in an episode now (until an accept succeeds again)
};

class AcceptFdLimit {
 public:
  AcceptFdLimit();
  ~AcceptFdLimit();
  AcceptFdLimit(const AcceptFdLimit&) = delete;
  AcceptFdLimit& operator=(const AcceptFdLimit&) = delete;

  // accept() on `listenFd` failed with `err`. Returns true when the backlog was emptied (the
  // listener may stay armed), false when the listener should pause until descriptors free up.
  bool onAcceptFailed(int listenFd, int err);
  // An accept succeeded: the episode, if any, is over.
  void onAccepted();
  // Tries to take the reserve descriptor back (after it could not be reopened).
  void refill();
  bool hasReserve() const { return reserve_ >= 0; }
  const AcceptFdLimitStats& stats() const { return stats_; }

 private:
  int reserve_ = -1;
  AcceptFdLimitStats stats_;
};

// True for the errno values that mean "no descriptor left", as opposed to a failed connection.
bool isFdExhaustion(int err);

}  // namespace uws

// The poller: one epoll set watched by a single uv_poll_t inside Node's own libuv loop (no
// thread of our own, no polling), plus the loop's two libuv timers: the 1-second tick and the
// zero-delay kick that re-wakes the loop for bytes epoll cannot report (decrypted TLS records
// left inside OpenSSL). It knows file descriptors and slot numbers, nothing about sockets.
#pragma once
#include <sys/epoll.h>
#include <uv.h>

#include <cstdint>
#include <functional>

namespace uws {

class Poller {
 public:
  // What the poller calls back, with `owner`: the epoll set is readable (`ready`), a tick
  // passed (`tick`), a kick fired (`ready` as well).
  struct Callbacks {
    void* owner = nullptr;
    void (*ready)(void* owner) = nullptr;
    void (*tick)(void* owner) = nullptr;
  };

  Poller(uv_loop_t* uvLoop, Callbacks callbacks);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  bool ok() const { return epfd_ >= 0; }
  int initError() const { return initErrno_; }

  // epoll_ctl with `slot` as the event's data; -1 with errno set on failure.
  int add(int fd, uint32_t events, uint32_t slot);
  int modify(int fd, uint32_t events, uint32_t slot);
  // The ready events, without blocking (libuv already said the set is readable).
  int poll(epoll_event* out, int max);
  // Wakes the loop once more at the next turn of libuv, even with nothing readable.
  void kick();
  // Whether the poll keeps the process alive (while there are listeners or sockets, like a
  // net.Server); the timers never do.
  void keepAlive(bool on);
  // Stops and closes the libuv handles; `done` runs when libuv has released all of them.
  void close(std::function<void()> done);

 private:
  static void onPoll(uv_poll_t* handle, int status, int events);
  static void onTick(uv_timer_t* handle);
  static void onKick(uv_timer_t* handle);

  Callbacks callbacks_;
  int epfd_ = -1;
  int initErrno_ = 0;
  uv_poll_t poll_;
  uv_timer_t tick_;
  uv_timer_t kick_;
  bool kickArmed_ = false;
  bool closing_ = false;
  int handlesOpen_ = 0;
  std::function<void()> onClosed_;
};

}  // namespace uws

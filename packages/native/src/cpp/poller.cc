#include "poller.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace uws {

Poller::Poller(uv_loop_t* uvLoop, Callbacks callbacks) : callbacks_(callbacks) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    initErrno_ = errno;
    return;
  }
  uv_poll_init(uvLoop, &poll_, epfd_);
  poll_.data = this;
  uv_timer_init(uvLoop, &tick_);
  tick_.data = this;
  uv_timer_init(uvLoop, &kick_);
  kick_.data = this;
  handlesOpen_ = 3;
  uv_poll_start(&poll_, UV_READABLE, onPoll);
  uv_timer_start(&tick_, onTick, 1000, 1000);
  // None of the handles keeps the process alive on its own; see keepAlive().
  uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&tick_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&kick_));
}

Poller::~Poller() {
  if (epfd_ >= 0) ::close(epfd_);
}

int Poller::add(int fd, uint32_t events, uint32_t slot) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u32 = slot;
  return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
}

int Poller::modify(int fd, uint32_t events, uint32_t slot) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u32 = slot;
  return ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

int Poller::poll(epoll_event* out, int max) { return ::epoll_wait(epfd_, out, max, 0); }

void Poller::onPoll(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<Poller*>(handle->data);
  if (status < 0 || self->closing_) return;
  self->callbacks_.ready(self->callbacks_.owner);
}

void Poller::onTick(uv_timer_t* handle) {
  auto* self = static_cast<Poller*>(handle->data);
  if (self->closing_) return;
  self->callbacks_.tick(self->callbacks_.owner);
}

void Poller::onKick(uv_timer_t* handle) {
  auto* self = static_cast<Poller*>(handle->data);
  self->kickArmed_ = false;
  if (!self->closing_) self->callbacks_.ready(self->callbacks_.owner);
}

void Poller::kick() {
  if (kickArmed_ || closing_) return;
  kickArmed_ = true;
  uv_timer_start(&kick_, onKick, 0, 0);
}

void Poller::keepAlive(bool on) {
  if (closing_ || epfd_ < 0) return;
  auto* h = reinterpret_cast<uv_handle_t*>(&poll_);
  if (on) uv_ref(h);
  else uv_unref(h);
}

void Poller::close(std::function<void()> done) {
  closing_ = true;
  onClosed_ = std::move(done);
  if (epfd_ < 0) {
    if (onClosed_) onClosed_();
    return;
  }
  auto closed = [](uv_handle_t* h) {
    auto* self = static_cast<Poller*>(h->data);
    if (--self->handlesOpen_ == 0 && self->onClosed_) self->onClosed_();
  };
  uv_poll_stop(&poll_);
  uv_timer_stop(&tick_);
  uv_timer_stop(&kick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&kick_), closed);
}

}  // namespace uws

#include "tls-socket-bio.h"

#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <mutex>

namespace uws {

namespace {

bool retryable(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

int clamp(size_t len) { return len > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(len); }

int socketWrite(BIO* bio, const char* data, size_t len, size_t* written) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::send(BIO_get_fd(bio, nullptr), data, static_cast<size_t>(clamp(len)), MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<size_t>(n);
    return 1;
  }
  if (retryable(errno)) BIO_set_retry_write(bio);
  *written = 0;
  return 0;
}

int socketRead(BIO* bio, char* data, size_t len, size_t* read) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::recv(BIO_get_fd(bio, nullptr), data, static_cast<size_t>(clamp(len)), 0);
  if (n > 0) {
    *read = static_cast<size_t>(n);
    return 1;
  }
  // 0 is the peer's FIN: OpenSSL asks BIO_eof() to tell it from an error. errno stays as is
  // for SSL_get_error.
  if (n == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  else if (retryable(errno)) BIO_set_retry_read(bio);
  *read = 0;
  return 0;
}

long socketCtrl(BIO* bio, int cmd, long num, void* ptr) {
  switch (cmd) {
    case BIO_C_SET_FD:
      BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(*static_cast<int*>(ptr))));
      BIO_set_init(bio, 1);
      return 1;
    case BIO_C_GET_FD: {
      int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
      if (ptr != nullptr) *static_cast<int*>(ptr) = fd;
      return fd;
    }
    case BIO_CTRL_EOF:
      return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_CTRL_FLUSH:  // unbuffered: every send already went to the kernel
    case BIO_CTRL_DUP:
      return 1;
    default:  // no pending counts, no kTLS, no close-on-free: "not supported"
      return 0;
  }
}

// The method lives while BIOs use it: a process-long one would leak each time Node unloads and
// reloads the addon (a worker thread's exit unloads it). Guarded: every thread has its loop.
std::mutex methodMutex;
BIO_METHOD* method = nullptr;
size_t methodUsers = 0;

int socketDestroy(BIO*) {
  std::lock_guard<std::mutex> lock(methodMutex);
  if (--methodUsers == 0) {
    BIO_meth_free(method);  // BIO_free touches the method no more after this callback
    method = nullptr;
  }
  return 1;
}

}  // namespace

BIO* newSocketBio(int fd) {
  BIO* bio = nullptr;
  {
    std::lock_guard<std::mutex> lock(methodMutex);
    if (method == nullptr) {
      // OpenSSL hands out about 128 BIO type indexes per process: take one per addon load.
      static const int kIndex = BIO_get_new_index();
      if (kIndex < 0) return nullptr;
      method = BIO_meth_new(kIndex | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "uws socket");
      if (method == nullptr) return nullptr;
      BIO_meth_set_write_ex(method, socketWrite);
      BIO_meth_set_read_ex(method, socketRead);
      BIO_meth_set_ctrl(method, socketCtrl);
      BIO_meth_set_destroy(method, socketDestroy);
    }
    bio = BIO_new(method);
    if (bio != nullptr) {
      ++methodUsers;
    } else if (methodUsers == 0) {
      BIO_meth_free(method);
      method = nullptr;
    }
  }
  if (bio != nullptr) BIO_set_fd(bio, fd, BIO_NOCLOSE);
  return bio;
}

}  // namespace uws

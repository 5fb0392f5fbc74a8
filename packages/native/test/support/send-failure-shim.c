/*
 * Preloaded into a test server process: makes socket sends fail the way a kernel short of
 * buffer memory does, which no test can provoke for real on a machine it shares.
 *   UWS_FAULT_SEND_AT     the 1-based send call (send/sendmsg/sendto, counted together) that fails
 *   UWS_FAULT_SEND_COUNT  how many consecutive calls fail from there (default 1)
 *   UWS_FAULT_SEND_ERRNO  the errno they fail with (default ENOBUFS)
 * Only sends on sockets are counted; writes to pipes and files pass untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

static atomic_long calls;

static long setting(const char *name, long fallback) {
  const char *v = getenv(name);
  return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : fallback;
}

/* Returns the errno to fail this call with, or 0 to let it through. */
static int injected(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  long at = setting("UWS_FAULT_SEND_AT", 0);
  if (at <= 0) return 0;
  long n = atomic_fetch_add(&calls, 1) + 1;
  if (n < at || n >= at + setting("UWS_FAULT_SEND_COUNT", 1)) return 0;
  return (int)setting("UWS_FAULT_SEND_ERRNO", ENOBUFS);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  static ssize_t (*real)(int, const struct msghdr *, int);
  if (real == NULL) real = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
  int err = injected(fd);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return real(fd, msg, flags);
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
  static ssize_t (*real)(int, const void *, size_t, int);
  if (real == NULL) real = (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
  int err = injected(fd);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return real(fd, buf, len, flags);
}

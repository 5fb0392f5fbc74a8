/* Clock, random numbers, counters and fatal errors shared by every mode. */
#ifndef LG_UTIL_H
#define LG_UTIL_H
#include <stddef.h>
#include <stdint.h>

double now_s(void);               /* CLOCK_MONOTONIC seconds */
void rng_seed(void);              /* from getrandom(2) */
uint64_t rng_next(void);          /* xorshift64* */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void *xrealloc(void *p, size_t n);

/* Errors seen during a run; every mode reports them in its JSON line. */
typedef struct {
  uint64_t connect_errors;   /* connect/handshake failed or timed out */
  uint64_t handshake_errors; /* bad status, missing or wrong Sec-WebSocket-Accept, extension refused */
  uint64_t protocol_errors;  /* masked server frame, bad opcode, unexpected close */
  uint64_t verify_errors;    /* echoed bytes or order differ from what was sent */
  uint64_t closed;           /* connections the server closed */
} lg_errors_t;

extern lg_errors_t g_err;

#endif

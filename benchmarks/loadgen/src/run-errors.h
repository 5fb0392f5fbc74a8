/* Errors seen during a run; every mode reports them in its JSON line. */
#ifndef LG_RUN_ERRORS_H
#define LG_RUN_ERRORS_H
#include <stdint.h>

typedef struct {
  uint64_t connect_errors;   /* connect/handshake failed or timed out */
  uint64_t handshake_errors; /* bad status, missing or wrong Sec-WebSocket-Accept, extension refused */
  uint64_t protocol_errors;  /* masked server frame, bad opcode, unexpected close */
  uint64_t verify_errors;    /* echoed bytes or order differ from what was sent */
  uint64_t closed;           /* connections the server closed */
} lg_errors_t;

extern lg_errors_t g_err;

#endif

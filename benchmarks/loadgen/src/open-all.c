#include "open-all.h"

#include "clock.h"
#include "run-errors.h"

int open_all(lg_loop_t *L, conn_t *conns, int first, int n, const char *path, int concurrency, double deadline) {
  int next = 0;
  while (now_s() < deadline) {
    while (next < n && L->pending < concurrency) {
      conn_start(L, &conns[first + next], (uint32_t)(first + next), path);
      next++;
    }
    if (next == n && L->pending == 0) break;
    loop_once(L, 10);
  }
  int open = 0;
  for (int i = first; i < first + n; i++) {
    conn_t *c = &conns[i];
    if (c->state == C_OPEN) open++;
    else if (c->state == C_CONNECTING || c->state == C_TLS || c->state == C_HANDSHAKE ||
             c->state == C_SIO_CONNECT) {
      conn_close(c, 1);
      L->pending--;
      g_err.connect_errors++;
    } else if (c->state == C_FREE) {
      g_err.connect_errors++; /* never started: out of time */
    }
  }
  return open;
}

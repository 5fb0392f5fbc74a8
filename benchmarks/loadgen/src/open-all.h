/* Opening many connections with a bounded number in progress at once. */
#ifndef LG_OPEN_ALL_H
#define LG_OPEN_ALL_H
#include "ws-client.h"

/* Starts conns[first..first+n) on path, at most `concurrency` connecting at once, and runs the
   loop until all are open or failed, or `deadline` (now_s()) passes: then the stragglers are
   closed as connect errors. Returns how many are open. */
int open_all(lg_loop_t *L, conn_t *conns, int first, int n, const char *path, int concurrency, double deadline);

#endif

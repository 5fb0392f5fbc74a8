/* The timed part of a throughput mode: warm-up, then `duration` seconds that are counted. */
#ifndef LG_MEASURE_WINDOW_H
#define LG_MEASURE_WINDOW_H
#include "ws-client.h"

typedef struct {
  int phase;        /* 0 warm-up, 1 measuring (count), 2 done (stop sending) */
  double start, end; /* the measured window, CLOCK_MONOTONIC seconds */
} lg_window_t;

/* Runs the loop until the window closes or `alive(ctx)` says the load is gone (the window then
 * ends early, so rates stay per measured second). Marks the phases for the harness. */
void window_run(lg_loop_t *L, lg_window_t *w, double warmup, double duration, int (*alive)(void *ctx), void *ctx);

/* Length of the measured window in seconds (never 0: rates divide by it). */
double window_seconds(const lg_window_t *w);

#endif

#include "measure-window.h"

#include "clock.h"
#include "options.h"

void window_run(lg_loop_t *L, lg_window_t *w, double warmup, double duration, int (*alive)(void *ctx), void *ctx) {
  double t0 = now_s() + warmup, t1 = t0 + duration;
  w->phase = 0;
  w->start = t0;
  w->end = t1;
  for (;;) {
    double t = now_s();
    if (w->phase == 0 && t >= t0) { w->phase = 1; w->start = t; mark_phase("measure"); }
    if (w->phase == 1 && t >= t1) { w->phase = 2; w->end = t; mark_phase("end"); break; }
    if (!alive(ctx)) { w->end = t; break; }
    loop_once(L, 5);
  }
}

double window_seconds(const lg_window_t *w) {
  return w->end - w->start > 0 ? w->end - w->start : 1e-9;
}

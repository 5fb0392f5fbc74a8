#include <stdio.h>
#include <sys/resource.h>

#include "options.h"
#include "run-errors.h"

void report_begin(const lg_opts_t *o) {
  printf("{\"mode\":\"%s\",\"port\":%d", o->mode, o->port);
}

void report_end(double wall) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec * 1e-6;
  printf(",\"errors\":{\"connect\":%llu,\"handshake\":%llu,\"protocol\":%llu,\"verify\":%llu,\"closed\":%llu}",
         (unsigned long long)g_err.connect_errors, (unsigned long long)g_err.handshake_errors,
         (unsigned long long)g_err.protocol_errors, (unsigned long long)g_err.verify_errors,
         (unsigned long long)g_err.closed);
  printf(",\"loadgen_cpu_s\":%.3f,\"wall_s\":%.3f,\"loadgen_cpu_pct\":%.1f}\n", cpu, wall,
         wall > 0 ? 100.0 * cpu / wall : 0.0);
  fflush(stdout);
}

int sources_for(const lg_opts_t *o, int n) {
  if (o->sources > 0) return o->sources;
  return n / 16000 + 1;
}

void mark_phase(const char *what) {
  fprintf(stderr, "%s\n", what);
  fflush(stderr);
}

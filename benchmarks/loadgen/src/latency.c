#include "latency.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Values below 2^SUB map to themselves; above, the top SUB+1 bits select the bucket:
   shift = msb - SUB, index = (shift + 1) * 2^SUB + (v >> shift) - 2^SUB. */
static unsigned bucket(uint64_t v) {
  const uint64_t sub = 1u << LAT_SUB_BITS;
  if (v < sub) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - LAT_SUB_BITS;
  return (unsigned)((shift + 1) * sub + (v >> shift) - sub);
}

static double bucket_mid(unsigned i) {
  const unsigned sub = 1u << LAT_SUB_BITS;
  if (i < sub) return i;
  unsigned shift = i / sub - 1;
  double lo = (double)(i % sub + sub) * ldexp(1.0, (int)shift);
  return lo + ldexp(1.0, (int)shift) / 2;
}

void lat_record(lat_hist_t *h, uint64_t ns) {
  h->counts[bucket(ns)]++;
  h->n++;
  h->sum_ns += (double)ns;
  if (ns > h->max_ns) h->max_ns = ns;
}

double lat_quantile(const lat_hist_t *h, double q) {
  if (h->n == 0) return NAN;
  uint64_t rank = (uint64_t)ceil(q * (double)h->n);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < LAT_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      double m = bucket_mid(i);
      return m > (double)h->max_ns ? (double)h->max_ns : m;
    }
  }
  return (double)h->max_ns;
}

void lat_print_json(const lat_hist_t *h) {
  if (h->n == 0) {
    printf(",\"latency_us\":{\"samples\":0}");
    return;
  }
  printf(",\"latency_us\":{\"samples\":%llu,\"mean\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
         (unsigned long long)h->n, h->sum_ns / (double)h->n / 1e3, lat_quantile(h, 0.5) / 1e3,
         lat_quantile(h, 0.9) / 1e3, lat_quantile(h, 0.99) / 1e3, lat_quantile(h, 0.999) / 1e3,
         (double)h->max_ns / 1e3);
}

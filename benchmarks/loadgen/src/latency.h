/*
 * Round-trip latency of echoed messages: a log-linear histogram of nanosecond durations with
 * 2^LAT_SUB_BITS buckets per power of two (relative error at most 1/64), fixed size, so that
 * recording a sample is an index computation and an increment: no allocation per message.
 */
#ifndef LG_LATENCY_H
#define LG_LATENCY_H
#include <stdint.h>

#define LAT_SUB_BITS 6
#define LAT_BUCKETS ((64 - LAT_SUB_BITS + 1) << LAT_SUB_BITS)

typedef struct {
  uint64_t counts[LAT_BUCKETS];
  uint64_t n, max_ns;
  double sum_ns;
} lat_hist_t;

uint64_t now_ns(void); /* CLOCK_MONOTONIC nanoseconds */
void lat_record(lat_hist_t *h, uint64_t ns);
/* The q-quantile (0 < q <= 1) in nanoseconds: the midpoint of its bucket, at most the maximum. */
double lat_quantile(const lat_hist_t *h, double q);
/* Prints ,"latency_us":{"samples":..,"mean":..,"p50":..,"p90":..,"p99":..,"p999":..,"max":..}. */
void lat_print_json(const lat_hist_t *h);

#endif

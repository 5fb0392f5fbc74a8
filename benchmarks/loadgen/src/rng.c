#include "rng.h"

#include <sys/random.h>
#include <time.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

void rng_seed(void) {
  uint64_t s = 0;
  if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s || s == 0) s = (uint64_t)time(NULL) | 1;
  rng_state = s;
}

uint64_t rng_next(void) {
  uint64_t x = rng_state;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  rng_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

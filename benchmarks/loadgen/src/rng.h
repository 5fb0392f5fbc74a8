/* Fast non-cryptographic random numbers (masks, payload bytes): xorshift64*. */
#ifndef LG_RNG_H
#define LG_RNG_H
#include <stdint.h>

void rng_seed(void);     /* from getrandom(2) */
uint64_t rng_next(void);

#endif

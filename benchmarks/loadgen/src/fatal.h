/* Ending the run on an error the load generator cannot go on from (exit status 2). */
#ifndef LG_FATAL_H
#define LG_FATAL_H
#include <stddef.h>

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void *xrealloc(void *p, size_t n); /* realloc, or die */

#endif

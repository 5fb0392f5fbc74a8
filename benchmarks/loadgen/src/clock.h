/* The one clock every mode measures with. */
#ifndef LG_CLOCK_H
#define LG_CLOCK_H

double now_s(void); /* CLOCK_MONOTONIC seconds */

#endif

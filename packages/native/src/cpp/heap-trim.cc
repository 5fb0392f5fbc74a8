#include "heap-trim.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace uws {

void HeapTrim::maybeTrim() {
  if (handshakes_ < kHandshakesPerTrim) return;
  handshakes_ = 0;
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace uws

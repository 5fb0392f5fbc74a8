// Handing the memory of finished TLS handshakes back to the system. A handshake allocates some
// 50 KiB (the SSL, its record buffers, key shares, the certificate chain's encoding) and frees
// it, while the connection's own few hundred bytes stay: after a burst of connections the freed
// memory lies between live allocations, where free() never returns it to the system. Measured
// at 5 000 idle TLS connections: 2.6 KiB of heap per connection before a trim, 1.3 KiB after;
// a trim takes 1–5 ms, paid once per tick at most and only after kHandshakesPerTrim handshakes
// (< 2% of their CPU time).
#pragma once
#include <cstdint>

namespace uws {

class HeapTrim {
 public:
  // A server handshake finished whose session gives its buffers back.
  void noteHandshake() { ++handshakes_; }
  // Once per tick: trims the heap (glibc's malloc_trim) after enough handshakes.
  void maybeTrim();

 private:
  static constexpr uint32_t kHandshakesPerTrim = 256;
  uint32_t handshakes_ = 0;
};

}  // namespace uws

#include "payload-mask.h"

#include <cstring>

namespace uws {

void xorMask(uint8_t* data, size_t length, uint32_t maskWord) {
  uint8_t key[4];
  std::memcpy(key, &maskWord, 4);
  size_t i = 0;
  // Align to 8 bytes, then whole 64-bit words (the compiler vectorizes this loop).
  while (i < length && (reinterpret_cast<uintptr_t>(data + i) & 7) != 0) {
    data[i] ^= key[i & 3];
    i++;
  }
  uint8_t rotated[8];
  for (int k = 0; k < 8; k++) rotated[k] = key[(i + k) & 3];
  uint64_t wide;
  std::memcpy(&wide, rotated, 8);
  for (; i + 8 <= length; i += 8) {
    uint64_t v;
    std::memcpy(&v, data + i, 8);
    v ^= wide;
    std::memcpy(data + i, &v, 8);
  }
  for (; i < length; i++) data[i] ^= key[i & 3];
}

}  // namespace uws

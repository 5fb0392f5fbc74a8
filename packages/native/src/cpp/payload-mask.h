// XOR of a payload with a WebSocket masking key, for @uws/protocol's large-payload unmask.
#pragma once
#include <cstddef>
#include <cstdint>

namespace uws {

// XORs `data[0, length)` with the 4 key bytes held in `maskWord` in memory order (byte i of
// the payload with byte i % 4 of the word), 8 bytes at a time.
void xorMask(uint8_t* data, size_t length, uint32_t maskWord);

}  // namespace uws

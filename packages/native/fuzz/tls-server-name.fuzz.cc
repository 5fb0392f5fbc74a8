// libFuzzer harness for the SNI parser: the bytes of a ClientHello's server_name extension, as
// a client sends them, into parseServerName. Besides the sanitizers, it checks what the
// result promises: empty, or a lower-case name of 1 to 255 bytes that the input carries.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tls-server-name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string name = uws::parseServerName(data, size);
  if (name.empty()) return 0;
  if (name.size() > 255) std::abort();
  for (unsigned char c : name) {
    if (std::isupper(c)) std::abort();
  }
  std::string input = uws::lowerHostName(std::string(reinterpret_cast<const char*>(data), size));
  if (input.find(name) == std::string::npos) std::abort();
  return 0;
}

#include "tls-server-name.h"

#include <algorithm>
#include <cctype>

namespace uws {

namespace {
constexpr unsigned kHostName = 0;  // NameType host_name (TLSEXT_NAMETYPE_host_name)
}  // namespace

std::string lowerHostName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string parseServerName(const unsigned char* p, size_t len) {
  if (len < 2) return "";
  size_t listLen = (static_cast<size_t>(p[0]) << 8) | p[1];
  if (listLen + 2 != len) return "";
  size_t i = 2;
  while (i + 3 <= len) {
    unsigned type = p[i];
    size_t n = (static_cast<size_t>(p[i + 1]) << 8) | p[i + 2];
    i += 3;
    if (i + n > len) return "";
    if (type == kHostName) {
      if (n == 0 || n > 255) return "";
      return lowerHostName(std::string(reinterpret_cast<const char*>(p + i), n));
    }
    i += n;
  }
  return "";
}

}  // namespace uws

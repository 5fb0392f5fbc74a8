// The host name a ClientHello asks for (SNI, RFC 6066 §3), read from the raw bytes of its
// server_name extension: peer bytes parsed by our code (OpenSSL only hands them over), so it
// is kept apart, where the fuzz harness reaches it.
#pragma once
#include <cstddef>
#include <string>

namespace uws {

// ASCII lower case: host names compare case-insensitively.
std::string lowerHostName(std::string name);

// The host_name entry of a server_name extension's body (`len` bytes at `p`), lower-cased; ""
// when it is malformed, has no host_name entry, or that entry is empty or over 255 bytes.
std::string parseServerName(const unsigned char* p, size_t len);

}  // namespace uws

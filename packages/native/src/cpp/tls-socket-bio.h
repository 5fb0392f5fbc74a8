// The BIO an SSL reads and writes its socket through: recv(2)/send(2) on the fd, which skip the
// file layer that read(2)/write(2) go through (OpenSSL's own socket BIO uses those), and
// MSG_NOSIGNAL so a peer that vanished is an EPIPE, never a signal.
#pragma once
#include <openssl/bio.h>

namespace uws {

// A BIO on `fd` (not closed with the BIO), or nullptr when out of memory.
BIO* newSocketBio(int fd);

}  // namespace uws

// TLS 1.3 traffic keys (RFC 8446 §7.1, §7.3): a direction's AEAD key and IV derived from its
// traffic secret with HKDF-Expand-Label, and the next secret after a KeyUpdate (§7.2).
#pragma once
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace uws {

constexpr size_t kMaxTrafficSecret = 48;  // SHA-384
constexpr size_t kMaxTrafficKey = 32;
constexpr size_t kTrafficIvLength = 12;
constexpr size_t kAeadTagLength = 16;

// A TLS 1.3 cipher suite whose records we protect ourselves. The CCM suites (off by default in
// OpenSSL) are not among them: their connections stay with OpenSSL.
struct Tls13Suite {
  uint32_t openSslId;  // SSL_CIPHER_get_id
  const EVP_CIPHER* cipher;
  const EVP_MD* digest;  // HKDF's hash
  uint8_t keyLength;
  uint8_t hashLength;
};

// The suite for a negotiated cipher, or nullptr. The algorithms are fetched once per process.
const Tls13Suite* findTls13Suite(uint32_t openSslId);

// One direction: its current traffic secret, the key and IV derived from it, and the number of
// records protected with them so far (the per-record nonce is the IV xor this number).
struct TrafficKeys {
  uint8_t secret[kMaxTrafficSecret] = {0};
  uint8_t key[kMaxTrafficKey] = {0};
  uint8_t iv[kTrafficIvLength] = {0};
  uint64_t sequence = 0;

  TrafficKeys() = default;
  TrafficKeys(const TrafficKeys&) = delete;
  TrafficKeys& operator=(const TrafficKeys&) = delete;
  ~TrafficKeys();  // wipes the secret and the key
};

// Sets `secret` and derives key and IV from it; the sequence number is left as is.
bool installTrafficSecret(const Tls13Suite& suite, const uint8_t* secret, TrafficKeys* keys);
// KeyUpdate: secret_{n+1} = HKDF-Expand-Label(secret_n, "traffic upd", "", Hash.length), new key
// and IV, sequence number 0.
bool advanceTrafficKeys(const Tls13Suite& suite, TrafficKeys* keys);

}  // namespace uws

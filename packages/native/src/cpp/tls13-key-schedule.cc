#include "tls13-key-schedule.h"

#include <openssl/crypto.h>
#include <openssl/tls1.h>

#include <array>
#include <cstring>
#include <memory>
#include <mutex>

namespace uws {

namespace {

std::array<Tls13Suite, 3> suites;

// Fetched once: implicit fetches (EVP_aes_128_gcm() & co.) would look the algorithm up again
// at every context initialisation. Never freed: a process-long cache, like OpenSSL's own.
void fetchSuites() {
  auto make = [](uint32_t id, const char* cipher, const char* digest, uint8_t keyLength, uint8_t hashLength) {
    return Tls13Suite{id, EVP_CIPHER_fetch(nullptr, cipher, nullptr), EVP_MD_fetch(nullptr, digest, nullptr), keyLength,
                      hashLength};
  };
  suites[0] = make(TLS1_3_CK_AES_128_GCM_SHA256, "AES-128-GCM", "SHA256", 16, 32);
  suites[1] = make(TLS1_3_CK_AES_256_GCM_SHA384, "AES-256-GCM", "SHA384", 32, 48);
  suites[2] = make(TLS1_3_CK_CHACHA20_POLY1305_SHA256, "ChaCha20-Poly1305", "SHA256", 32, 32);
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
thread_local std::unique_ptr<EVP_MD_CTX, DigestContextFree> digestContext;

// HMAC (RFC 2104) over the pre-fetched digest, for a key no longer than the digest's block (a
// traffic secret is one hash long). OpenSSL 3.0's HMAC() looks the MAC and the digest up by
// name at every call: four of those per connection showed in handshake profiles.
bool hmac(const Tls13Suite& suite, const uint8_t* key, size_t keyLength, const uint8_t* data, size_t length,
          uint8_t* out) {
  size_t block = static_cast<size_t>(EVP_MD_get_block_size(suite.digest));
  if (keyLength > block || block > 128) return false;
  if (!digestContext) digestContext.reset(EVP_MD_CTX_new());
  EVP_MD_CTX* ctx = digestContext.get();
  if (ctx == nullptr) return false;
  uint8_t pad[128];
  uint8_t inner[EVP_MAX_MD_SIZE];
  unsigned int innerLength = 0;
  unsigned int outLength = 0;
  auto padWith = [&](uint8_t byte) {
    std::memset(pad, byte, block);
    for (size_t i = 0; i < keyLength; i++) pad[i] ^= key[i];
  };
  padWith(0x36);
  bool ok = EVP_DigestInit_ex2(ctx, suite.digest, nullptr) == 1 && EVP_DigestUpdate(ctx, pad, block) == 1 &&
            EVP_DigestUpdate(ctx, data, length) == 1 && EVP_DigestFinal_ex(ctx, inner, &innerLength) == 1;
  padWith(0x5c);
  ok = ok && EVP_DigestInit_ex2(ctx, suite.digest, nullptr) == 1 && EVP_DigestUpdate(ctx, pad, block) == 1 &&
       EVP_DigestUpdate(ctx, inner, innerLength) == 1 && EVP_DigestFinal_ex(ctx, out, &outLength) == 1;
  OPENSSL_cleanse(pad, sizeof(pad));
  OPENSSL_cleanse(inner, sizeof(inner));
  return ok && outLength == suite.hashLength;
}

// HKDF-Expand-Label(secret, label, "", length) for length <= Hash.length: a single HMAC block,
// T(1) = HMAC(secret, HkdfLabel || 0x01).
bool expandLabel(const Tls13Suite& suite, const uint8_t* secret, const char* label, uint8_t* out, size_t length) {
  uint8_t info[2 + 1 + 255 + 1 + 1];
  size_t labelLength = std::strlen(label);
  static const char kPrefix[] = "tls13 ";
  size_t fullLength = sizeof(kPrefix) - 1 + labelLength;
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(length >> 8);
  info[n++] = static_cast<uint8_t>(length);
  info[n++] = static_cast<uint8_t>(fullLength);
  std::memcpy(info + n, kPrefix, sizeof(kPrefix) - 1);
  n += sizeof(kPrefix) - 1;
  std::memcpy(info + n, label, labelLength);
  n += labelLength;
  info[n++] = 0;  // empty context
  info[n++] = 1;  // the block counter
  uint8_t block[EVP_MAX_MD_SIZE];
  if (!hmac(suite, secret, suite.hashLength, info, n, block)) return false;
  std::memcpy(out, block, length);
  OPENSSL_cleanse(block, sizeof(block));
  return true;
}

bool deriveKeyAndIv(const Tls13Suite& suite, TrafficKeys* keys) {
  return expandLabel(suite, keys->secret, "key", keys->key, suite.keyLength) &&
         expandLabel(suite, keys->secret, "iv", keys->iv, kTrafficIvLength);
}

}  // namespace

const Tls13Suite* findTls13Suite(uint32_t openSslId) {
  static std::once_flag once;
  std::call_once(once, fetchSuites);
  for (const Tls13Suite& suite : suites) {
    if (suite.openSslId == openSslId) return suite.cipher != nullptr && suite.digest != nullptr ? &suite : nullptr;
  }
  return nullptr;
}

TrafficKeys::~TrafficKeys() {
  OPENSSL_cleanse(secret, sizeof(secret));
  OPENSSL_cleanse(key, sizeof(key));
}

bool installTrafficSecret(const Tls13Suite& suite, const uint8_t* secret, TrafficKeys* keys) {
  std::memcpy(keys->secret, secret, suite.hashLength);
  return deriveKeyAndIv(suite, keys);
}

bool advanceTrafficKeys(const Tls13Suite& suite, TrafficKeys* keys) {
  uint8_t next[kMaxTrafficSecret];
  if (!expandLabel(suite, keys->secret, "traffic upd", next, suite.hashLength)) return false;
  std::memcpy(keys->secret, next, suite.hashLength);
  OPENSSL_cleanse(next, sizeof(next));
  keys->sequence = 0;
  return deriveKeyAndIv(suite, keys);
}

}  // namespace uws

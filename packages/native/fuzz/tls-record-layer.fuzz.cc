// libFuzzer harness for the TLS 1.3 record layer's receive path (TlsRecordLayer::read and what
// it reaches: record headers, lengths, AEAD opening, inner content types and padding, alerts,
// KeyUpdate split across records, the bytes kept between reads) and its write path.
//
// The input is a little program for the peer: it writes raw bytes, or records sealed with the
// keys the layer expects (any inner type, padding, outer header, a corrupt tag, split writes),
// moves its keys forward as after a KeyUpdate, and lets the layer read, write or release its
// buffers in between. Sealing valid records is what lets the fuzzer past the AEAD check.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tls-record-layer.h"
#include "tls13-key-schedule.h"

using uws::TlsRecordLayer;
using uws::TlsStep;
using uws::TrafficKeys;
using uws::Tls13Suite;

namespace {

// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 (OpenSSL ids).
constexpr uint32_t kSuites[] = {0x03001301, 0x03001302, 0x03001303};
constexpr size_t kTag = 16;
constexpr size_t kMaxContent = 16 * 1024 + 64;  // a little past the limit, to reach the overflow checks

// Reads the fuzz input front to back; past the end it yields zeros.
struct Input {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  bool done() const { return pos >= size; }
  uint8_t byte() { return pos < size ? data[pos++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>((byte() << 8) | byte()); }
  void bytes(uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = byte();
  }
};

// The peer's sealer: TLS 1.3 record protection with its own key copy (RFC 8446 §5.2, §5.3).
bool sealRecord(const Tls13Suite& suite, TrafficKeys& keys, uint8_t outerType, uint8_t innerType, const uint8_t* content,
                size_t length, size_t padding, bool corruptTag, std::vector<uint8_t>& out) {
  std::vector<uint8_t> plain(content, content + length);
  plain.push_back(innerType);
  plain.insert(plain.end(), padding, 0);
  size_t body = plain.size() + kTag;
  if (body > 0xffff) return false;
  out.assign(5 + body, 0);
  out[0] = outerType;
  out[1] = 3;
  out[2] = 3;
  out[3] = static_cast<uint8_t>(body >> 8);
  out[4] = static_cast<uint8_t>(body);
  uint8_t nonce[uws::kTrafficIvLength];
  std::memcpy(nonce, keys.iv, sizeof(nonce));
  for (int i = 0; i < 8; i++) nonce[sizeof(nonce) - 1 - i] ^= static_cast<uint8_t>(keys.sequence >> (8 * i));
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok = ctx != nullptr && EVP_EncryptInit_ex2(ctx, suite.cipher, keys.key, nonce, nullptr) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &n, out.data(), 5) == 1 &&
            EVP_EncryptUpdate(ctx, out.data() + 5, &n, plain.data(), static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, out.data() + 5 + n, &n) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTag, out.data() + 5 + plain.size()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return false;
  if (corruptTag) out.back() ^= 1;
  ++keys.sequence;
  return true;
}

// What the layer sent back (alerts, KeyUpdates, echoed writes) is read and dropped.
void drainPeer(int fd) {
  uint8_t sink[64 * 1024];
  while (::recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
  }
}

// Lets the layer read until it has nothing more to say; false once it failed or closed.
bool readAll(TlsRecordLayer& layer, std::vector<uint8_t>& out, size_t capacity) {
  for (int i = 0; i < 64; i++) {
    size_t n = 0;
    TlsStep step = layer.read(out.data(), capacity, &n);
    if (step == TlsStep::kFailed || step == TlsStep::kClosed) return false;
    if (n == 0 && !layer.hasBuffered()) return true;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Input in{data, size};
  const Tls13Suite* suite = uws::findTls13Suite(kSuites[in.byte() % 3]);
  if (suite == nullptr) return 0;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) return 0;
  {
    TlsRecordLayer layer(*suite, fds[0]);
    TrafficKeys peer;  // seals what the layer reads
    uint8_t secret[48];
    std::memset(secret, 0x11, sizeof(secret));
    uws::installTrafficSecret(*suite, secret, &layer.readKeys());
    uws::installTrafficSecret(*suite, secret, &peer);
    std::memset(secret, 0x22, sizeof(secret));
    uws::installTrafficSecret(*suite, secret, &layer.writeKeys());

    std::vector<uint8_t> plain(64 * 1024 + 1);
    std::vector<uint8_t> record;
    std::vector<uint8_t> content(kMaxContent);
    bool alive = true;
    for (int ops = 0; alive && !in.done() && ops < 256; ops++) {
      switch (in.byte() % 6) {
        case 0: {  // raw bytes on the wire (headers, garbage, partial records)
          size_t length = in.byte();
          in.bytes(content.data(), length);
          (void)::send(fds[1], content.data(), length, MSG_DONTWAIT | MSG_NOSIGNAL);
          break;
        }
        case 1: {  // one sealed record
          uint8_t flags = in.byte();
          uint8_t innerType = in.byte();
          size_t length = in.u16() % kMaxContent;
          size_t padding = (flags & 0x08) ? in.u16() % 1024 : in.byte() % 8;
          // Mostly short records with fuzzed content; long ones are zeros after the input's bytes.
          size_t given = length < 64 ? length : 64;
          in.bytes(content.data(), given);
          std::memset(content.data() + given, 0, length - given);
          uint8_t outer = (flags & 0x02) ? in.byte() : 23;
          if (!sealRecord(*suite, peer, outer, innerType, content.data(), length, padding, (flags & 0x01) != 0, record)) break;
          if (flags & 0x04) {  // split: the layer reads between the halves
            size_t half = record.size() / 2;
            (void)::send(fds[1], record.data(), half, MSG_DONTWAIT | MSG_NOSIGNAL);
            alive = readAll(layer, plain, TlsRecordLayer::kMinReadCapacity);
            (void)::send(fds[1], record.data() + half, record.size() - half, MSG_DONTWAIT | MSG_NOSIGNAL);
          } else {
            (void)::send(fds[1], record.data(), record.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
          }
          break;
        }
        case 2:  // the peer moves to its next keys, as after the KeyUpdate it sent
          uws::advanceTrafficKeys(*suite, &peer);
          break;
        case 3: {  // the layer reads, into a small or a large buffer
          size_t capacity = (in.byte() & 1) ? plain.size() : TlsRecordLayer::kMinReadCapacity;
          alive = readAll(layer, plain, capacity);
          break;
        }
        case 4: {  // the layer writes (sends a KeyUpdate first when one is owed)
          size_t length = in.u16() % (20 * 1024);
          size_t n = 0;
          std::memset(content.data(), 0x61, length < kMaxContent ? length : kMaxContent);
          TlsStep step = layer.write(content.data(), length < kMaxContent ? length : kMaxContent, &n);
          if (step == TlsStep::kFailed) alive = false;
          break;
        }
        case 5:
          (void)layer.releaseIdle();
          break;
      }
      drainPeer(fds[1]);
    }
    if (alive) (void)readAll(layer, plain, plain.size());
    layer.shutdown();
  }
  ::close(fds[0]);
  ::close(fds[1]);
  return 0;
}

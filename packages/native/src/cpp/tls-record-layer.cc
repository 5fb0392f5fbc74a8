#include "tls-record-layer.h"

#include <openssl/crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace uws {

namespace {

constexpr size_t kHeader = 5;
constexpr size_t kMaxPlain = 16 * 1024;                  // 2^14 (§5.1)
constexpr size_t kMaxInnerPlain = kMaxPlain + 1;          // content and its type, padding included (§5.4)
constexpr size_t kMaxCiphertext = kMaxPlain + 256;        // §5.2
constexpr size_t kMaxRecord = kHeader + kMaxCiphertext;
constexpr size_t kRecordOverhead = kHeader + 1 + kAeadTagLength;
constexpr size_t kRecvChunk = 64 * 1024;

constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kKeyUpdate = 24;

// Alert descriptions (§6).
constexpr uint8_t kCloseNotify = 0;
constexpr uint8_t kUnexpectedMessage = 10;
constexpr uint8_t kBadRecordMac = 20;
constexpr uint8_t kRecordOverflow = 22;
constexpr uint8_t kIllegalParameter = 47;
constexpr uint8_t kDecodeError = 50;
constexpr uint8_t kInternalError = 80;
constexpr uint8_t kUserCanceled = 90;
constexpr uint8_t kNoAlert = 255;

// Per thread (one loop per thread): the received bytes being opened, and the record being
// sealed. A connection owns buffers only while bytes wait.
struct Scratch {
  std::unique_ptr<uint8_t[]> in;
  std::unique_ptr<uint8_t[]> out;
};
thread_local Scratch scratch;
constexpr size_t kScratchIn = kMaxRecord + kRecvChunk;
constexpr size_t kScratchOut = 2 * kRecordOverhead + 5 + kMaxPlain;  // a KeyUpdate, then a full record

uint8_t* scratchIn() {
  if (!scratch.in) scratch.in.reset(new uint8_t[kScratchIn]);
  return scratch.in.get();
}

uint8_t* scratchOut() {
  if (!scratch.out) scratch.out.reset(new uint8_t[kScratchOut]);
  return scratch.out.get();
}

bool retryable(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

void nonceFor(const TrafficKeys& keys, uint8_t* nonce) {
  std::memcpy(nonce, keys.iv, kTrafficIvLength);
  for (int i = 0; i < 8; i++) nonce[kTrafficIvLength - 1 - i] ^= static_cast<uint8_t>(keys.sequence >> (8 * i));
}

size_t recordLength(const uint8_t* header) { return (static_cast<size_t>(header[3]) << 8) | header[4]; }

}  // namespace

TlsRecordLayer::TlsRecordLayer(const Tls13Suite& suite, int fd) : suite_(suite), fd_(fd) {}

TlsRecordLayer::~TlsRecordLayer() {
  EVP_CIPHER_CTX_free(readCtx_);
  EVP_CIPHER_CTX_free(writeCtx_);
}

EVP_CIPHER_CTX* TlsRecordLayer::context(bool forWrite) {
  EVP_CIPHER_CTX*& ctx = forWrite ? writeCtx_ : readCtx_;
  if (ctx != nullptr) return ctx;
  ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return nullptr;
  const TrafficKeys& keys = forWrite ? write_ : read_;
  if (EVP_CipherInit_ex2(ctx, suite_.cipher, keys.key, nullptr, forWrite ? 1 : 0, nullptr) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    ctx = nullptr;
  }
  return ctx;
}

size_t TlsRecordLayer::seal(uint8_t innerType, const uint8_t* data, size_t len, uint8_t* out) {
  // A sequence number must never wrap (§5.3); 2^64 records are out of reach, but say so.
  if (write_.sequence == UINT64_MAX) return 0;
  EVP_CIPHER_CTX* ctx = context(true);
  if (ctx == nullptr) return 0;
  size_t body = len + 1 + kAeadTagLength;
  out[0] = kApplicationData;  // the outer type of every protected record
  out[1] = 3;
  out[2] = 3;
  out[3] = static_cast<uint8_t>(body >> 8);
  out[4] = static_cast<uint8_t>(body);
  uint8_t nonce[kTrafficIvLength];
  nonceFor(write_, nonce);
  int n = 0;
  int total = 0;
  bool ok = EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce, nullptr) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &n, out, static_cast<int>(kHeader)) == 1 &&
            (len == 0 || EVP_EncryptUpdate(ctx, out + kHeader, &n, data, static_cast<int>(len)) == 1);
  total = len == 0 ? 0 : n;
  ok = ok && EVP_EncryptUpdate(ctx, out + kHeader + total, &n, &innerType, 1) == 1;
  total += n;
  ok = ok && EVP_EncryptFinal_ex(ctx, out + kHeader + total, &n) == 1;
  total += n;
  ok = ok && static_cast<size_t>(total) == len + 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagLength), out + kHeader + total) == 1;
  if (!ok) return 0;
  ++write_.sequence;
  return kHeader + body;
}

bool TlsRecordLayer::open(const uint8_t* record, size_t bodyLength, uint8_t* out, size_t* plainLength) {
  if (read_.sequence == UINT64_MAX) return false;
  EVP_CIPHER_CTX* ctx = context(false);
  if (ctx == nullptr) return false;
  size_t cipherLength = bodyLength - kAeadTagLength;
  uint8_t nonce[kTrafficIvLength];
  nonceFor(read_, nonce);
  int n = 0;
  int total = 0;
  bool ok = EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce, nullptr) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &n, record, static_cast<int>(kHeader)) == 1 &&
            EVP_DecryptUpdate(ctx, out, &n, record + kHeader, static_cast<int>(cipherLength)) == 1;
  total = n;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagLength),
                           const_cast<uint8_t*>(record + kHeader + cipherLength)) == 1 &&
       EVP_DecryptFinal_ex(ctx, out + total, &n) == 1;
  total += n;
  if (!ok || static_cast<size_t>(total) != cipherLength) return false;
  ++read_.sequence;
  *plainLength = cipherLength;
  return true;
}

TlsStep TlsRecordLayer::fail(uint8_t alert, const char* why, int err) {
  failed_ = true;
  error_ = why;
  errorErrno_ = err;
  // The alert goes out only on a record boundary and only if the socket takes it now.
  if (alert != kNoAlert && outLength_ == 0 && !closeSent_) {
    closeSent_ = true;
    uint8_t body[2] = {2, alert};  // fatal
    uint8_t record[kRecordOverhead + sizeof(body)];
    size_t n = seal(kAlert, body, sizeof(body), record);
    if (n > 0) (void)::send(fd_, record, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  return TlsStep::kFailed;
}

bool TlsRecordLayer::onHandshakeBytes(const uint8_t* data, size_t len, bool endOfRecord) {
  // After the handshake a client may send only KeyUpdate (we never ask for post-handshake
  // authentication): type 24, length 1, request_update 0 or 1 (§4.6.3).
  for (size_t i = 0; i < len; i++) {
    if (handshakeLength_ == sizeof(handshake_)) {
      fail(kUnexpectedMessage, "TLS: bytes after a KeyUpdate in the same record", EPROTO);
      return false;
    }
    handshake_[handshakeLength_++] = data[i];
    if (handshakeLength_ == 1 && handshake_[0] != kKeyUpdate) {
      fail(kUnexpectedMessage, "TLS: unexpected post-handshake message", EPROTO);
      return false;
    }
    if (handshakeLength_ == 4 && (handshake_[1] != 0 || handshake_[2] != 0 || handshake_[3] != 1)) {
      fail(kDecodeError, "TLS: malformed KeyUpdate", EPROTO);
      return false;
    }
  }
  if (handshakeLength_ < sizeof(handshake_)) return true;  // continues in the next record
  if (!endOfRecord) {
    // "Handshake messages MUST NOT span key changes" (§5.1): the KeyUpdate ends its record.
    fail(kUnexpectedMessage, "TLS: bytes after a KeyUpdate in the same record", EPROTO);
    return false;
  }
  uint8_t request = handshake_[4];
  if (request > 1) {
    fail(kIllegalParameter, "TLS: KeyUpdate with an invalid request_update", EPROTO);
    return false;
  }
  handshakeLength_ = 0;
  if (!advanceTrafficKeys(suite_, &read_)) {
    fail(kInternalError, "TLS: key update failed", EPROTO);
    return false;
  }
  EVP_CIPHER_CTX_free(readCtx_);  // made again with the new key
  readCtx_ = nullptr;
  if (request == 1) keyUpdateOwed_ = true;
  return true;
}

bool TlsRecordLayer::accept(uint8_t* plain, size_t plainLength, size_t* delivered) {
  // The content type is the last non-zero byte; zeros after it are padding (§5.4).
  size_t end = plainLength;
  while (end > 0 && plain[end - 1] == 0) --end;
  if (end == 0) {
    fail(kUnexpectedMessage, "TLS: a record without a content type", EPROTO);
    return false;
  }
  uint8_t type = plain[end - 1];
  size_t length = end - 1;
  if (type != kHandshake && handshakeLength_ > 0) {
    fail(kUnexpectedMessage, "TLS: a handshake message interleaved with other records", EPROTO);
    return false;
  }
  switch (type) {
    case kApplicationData:
      *delivered = length;
      return true;
    case kHandshake:
      if (length == 0) {
        fail(kUnexpectedMessage, "TLS: an empty handshake record", EPROTO);
        return false;
      }
      return onHandshakeBytes(plain, length, true);
    case kAlert:
      if (length != 2) {
        fail(kDecodeError, "TLS: a malformed alert", EPROTO);
        return false;
      }
      if (plain[1] == kCloseNotify) {
        peerClosed_ = true;
        return true;
      }
      if (plain[1] == kUserCanceled) return true;  // a close_notify follows (§6.1)
      peerAlert_ = plain[1];
      fail(kNoAlert, "TLS: the peer sent a fatal alert", EPROTO);
      return false;
    default:
      fail(kUnexpectedMessage, "TLS: a record of an unexpected content type", EPROTO);
      return false;
  }
}

TlsStep TlsRecordLayer::read(uint8_t* out, size_t cap, size_t* n) {
  *n = 0;
  if (failed_) return TlsStep::kFailed;
  if (peerClosed_) return TlsStep::kClosed;
  uint8_t* buf = scratchIn();
  size_t have = 0;
  if (inLength_ > 0) {
    std::memcpy(buf, in_.get(), inLength_);
    have = inLength_;
    inLength_ = 0;
  }
  size_t pos = 0;
  size_t produced = 0;
  bool drained = false;
  bool full = false;
  // A fatal record ends the reading, but what the records before it carried is still
  // delivered (the next call reports the failure, and hasBuffered() asks for that call).
  auto refuse = [this](uint8_t alert, const char* why) { fail(alert, why, EPROTO); };
  for (;;) {
    while (!failed_ && have - pos >= kHeader) {
      const uint8_t* record = buf + pos;
      size_t body = recordLength(record);
      // Only protected records after the handshake: a change_cipher_spec or any plaintext
      // record is refused (§5, §5.1).
      if (record[0] != kApplicationData) {
        refuse(kUnexpectedMessage, "TLS: an unprotected record after the handshake");
        break;
      }
      if (body > kMaxCiphertext) {
        refuse(kRecordOverflow, "TLS: a record over 2^14 + 256 bytes");
        break;
      }
      if (have - pos < kHeader + body) break;
      if (body < kAeadTagLength + 1) {
        refuse(kBadRecordMac, "TLS: a record too short to be authentic");
        break;
      }
      if (body - kAeadTagLength > kMaxInnerPlain) {
        refuse(kRecordOverflow, "TLS: a record over 2^14 + 1 bytes of plaintext");
        break;
      }
      if (cap - produced < body - kAeadTagLength) {
        full = true;
        break;
      }
      size_t plainLength = 0;
      if (!open(record, body, out + produced, &plainLength)) {
        refuse(kBadRecordMac, "TLS: a record failed authentication");
        break;
      }
      pos += kHeader + body;
      size_t delivered = 0;
      if (!accept(out + produced, plainLength, &delivered)) break;
      produced += delivered;
      if (peerClosed_) break;  // nothing after close_notify counts
    }
    if (failed_ || peerClosed_ || full || drained) break;
    if (pos > 0) {
      std::memmove(buf, buf + pos, have - pos);
      have -= pos;
      pos = 0;
    }
    size_t want = kScratchIn - have;
    ssize_t r = ::recv(fd_, buf + have, want, 0);
    if (r > 0) {
      have += static_cast<size_t>(r);
      if (static_cast<size_t>(r) < want) drained = true;
      continue;
    }
    if (r == 0) {
      // EOF. Without close_notify (a truncation), read as an orderly end, like TCP's FIN,
      // once what came before it is delivered (epoll reports the FIN again).
      if (produced > 0) break;
      return TlsStep::kClosed;
    }
    if (retryable(errno)) break;
    fail(kNoAlert, "TLS: read failed", errno);
    break;
  }
  if (peerClosed_ || failed_) pos = have;  // bytes after close_notify are ignored (§6.1)
  if (have > pos) {
    inLength_ = have - pos;
    // Kept while the connection is busy (large messages leave a partial record at most every
    // read), given back by releaseIdle().
    if (inCapacity_ < inLength_) {
      inCapacity_ = std::max(inLength_, kMaxRecord);
      in_.reset(new uint8_t[inCapacity_]);
    }
    std::memcpy(in_.get(), buf + pos, inLength_);
  }
  if (produced > 0) {
    *n = produced;
    return TlsStep::kDone;
  }
  if (failed_) return TlsStep::kFailed;
  return peerClosed_ ? TlsStep::kClosed : TlsStep::kWantRead;
}

bool TlsRecordLayer::hasBuffered() const {
  if (peerClosed_ || failed_) return true;  // the next read reports it
  return inLength_ >= kHeader && inLength_ >= kHeader + recordLength(in_.get());
}

void TlsRecordLayer::keepPending(const uint8_t* data, size_t len) {
  out_.reset(new uint8_t[len]);
  std::memcpy(out_.get(), data, len);
  outLength_ = len;
  outOffset_ = 0;
}

bool TlsRecordLayer::flushOut() {
  while (outOffset_ < outLength_) {
    ssize_t r = ::send(fd_, out_.get() + outOffset_, outLength_ - outOffset_, MSG_NOSIGNAL);
    if (r >= 0) {
      outOffset_ += static_cast<size_t>(r);
      continue;
    }
    if (retryable(errno)) return true;
    fail(kNoAlert, "TLS: write failed", errno);
    return false;
  }
  out_.reset();
  outLength_ = 0;
  outOffset_ = 0;
  return true;
}

TlsStep TlsRecordLayer::write(const uint8_t* data, size_t len, size_t* n) {
  *n = 0;
  if (failed_) return TlsStep::kFailed;
  if (outLength_ > 0) {
    if (!flushOut()) return TlsStep::kFailed;
    if (outLength_ > 0) return TlsStep::kWantWrite;
    *n = outPlain_;
    outPlain_ = 0;
    return TlsStep::kDone;
  }
  size_t take = std::min(len, kMaxPlain);
  uint8_t* sealed = scratchOut();
  size_t total = 0;
  if (keyUpdateOwed_) {
    // Our answer to the peer's request, before our next application data (§4.6.3).
    static const uint8_t kKeyUpdateNotRequested[5] = {kKeyUpdate, 0, 0, 1, 0};
    size_t k = seal(kHandshake, kKeyUpdateNotRequested, sizeof(kKeyUpdateNotRequested), sealed);
    if (k == 0 || !advanceTrafficKeys(suite_, &write_)) return fail(kInternalError, "TLS: key update failed", EPROTO);
    EVP_CIPHER_CTX_free(writeCtx_);
    writeCtx_ = nullptr;
    keyUpdateOwed_ = false;
    total = k;
  }
  size_t k = seal(kApplicationData, data, take, sealed + total);
  if (k == 0) return fail(kInternalError, "TLS: encryption failed", EPROTO);
  total += k;
  ssize_t r = ::send(fd_, sealed, total, MSG_NOSIGNAL);
  if (r == static_cast<ssize_t>(total)) {
    *n = take;
    return TlsStep::kDone;
  }
  if (r < 0 && !retryable(errno)) return fail(kNoAlert, "TLS: write failed", errno);
  size_t sent = r > 0 ? static_cast<size_t>(r) : 0;
  keepPending(sealed + sent, total - sent);
  outPlain_ = take;
  return TlsStep::kWantWrite;
}

void TlsRecordLayer::shutdown() {
  if (failed_ || closeSent_) return;
  if (outLength_ > 0 && (!flushOut() || outLength_ > 0)) return;
  closeSent_ = true;
  static const uint8_t kCloseNotifyAlert[2] = {1, kCloseNotify};
  uint8_t record[kRecordOverhead + sizeof(kCloseNotifyAlert)];
  size_t n = seal(kAlert, kCloseNotifyAlert, sizeof(kCloseNotifyAlert), record);
  if (n > 0) (void)::send(fd_, record, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool TlsRecordLayer::releaseIdle() {
  EVP_CIPHER_CTX_free(readCtx_);
  EVP_CIPHER_CTX_free(writeCtx_);
  readCtx_ = nullptr;
  writeCtx_ = nullptr;
  if (inLength_ == 0) {
    in_.reset();
    inCapacity_ = 0;
  }
  return inLength_ == 0 && outLength_ == 0;
}

}  // namespace uws

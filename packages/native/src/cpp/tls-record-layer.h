// TLS 1.3 application records after OpenSSL's handshake (RFC 8446 §5): the server takes over
// record protection once the handshake is done, so the connection no longer holds an SSL (about
// 14 KiB in OpenSSL 3.0) and each record costs one AEAD call instead of OpenSSL's record layer.
// What it handles besides application data: close_notify and the peer's alerts, KeyUpdate in
// both directions, and every malformed record with the alert the RFC names. It reads and writes
// the socket itself; partial writes keep their ciphertext, as OpenSSL does.
#pragma once
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "tls-step.h"
#include "tls13-key-schedule.h"

namespace uws {

class TlsRecordLayer {
 public:
  // `read` protects what the peer sends, `write` what we send; both keep their sequence numbers.
  TlsRecordLayer(const Tls13Suite& suite, int fd);
  ~TlsRecordLayer();
  TlsRecordLayer(const TlsRecordLayer&) = delete;
  TlsRecordLayer& operator=(const TlsRecordLayer&) = delete;

  TrafficKeys& readKeys() { return read_; }
  TrafficKeys& writeKeys() { return write_; }

  // Plaintext into `out` (`cap` >= kMinReadCapacity); `*n` bytes on kDone. Reads the socket
  // until it is drained or `out` is full.
  TlsStep read(uint8_t* out, size_t cap, size_t* n);
  // Plaintext from `data`, one record of up to 16 KiB per call; `*n` bytes taken on kDone. On
  // kWantWrite the record is kept: the retry must pass the same bytes again (OpenSSL's rule).
  TlsStep write(const uint8_t* data, size_t len, size_t* n);
  // close_notify, best effort (skipped behind a partly sent record or a full socket).
  void shutdown();
  // A whole record waits (no room for it in the last read), or the peer's close_notify or a
  // failure does (reported by the next read, after the data that came before it).
  bool hasBuffered() const;
  // Frees the AEAD contexts (made again from the keys on the next record) and an empty input
  // buffer; false while bytes wait in either direction.
  bool releaseIdle();

  const char* error() const { return error_; }
  int errorErrno() const { return errorErrno_; }
  // The fatal alert the peer sent (its description code), or -1.
  int peerAlert() const { return peerAlert_; }

  static constexpr size_t kMinReadCapacity = 16 * 1024 + 1;  // the largest inner plaintext

 private:
  // Seals one record into `out` (room: len + kRecordOverhead); returns its size, 0 on failure.
  size_t seal(uint8_t innerType, const uint8_t* data, size_t len, uint8_t* out);
  // Opens the record at `record` (header included) into `out`; the inner plaintext's length.
  bool open(const uint8_t* record, size_t bodyLength, uint8_t* out, size_t* plainLength);
  // Handles one opened record: false after a fatal error (the alert is sent).
  bool accept(uint8_t* plain, size_t plainLength, size_t* delivered);
  bool onHandshakeBytes(const uint8_t* data, size_t len, bool endOfRecord);
  EVP_CIPHER_CTX* context(bool forWrite);
  bool flushOut();
  void keepPending(const uint8_t* data, size_t len);
  TlsStep fail(uint8_t alert, const char* why, int err);

  const Tls13Suite& suite_;
  int fd_;
  TrafficKeys read_;
  TrafficKeys write_;
  EVP_CIPHER_CTX* readCtx_ = nullptr;
  EVP_CIPHER_CTX* writeCtx_ = nullptr;
  // Received bytes not yet opened: a partial record, or whole ones that found no room.
  std::unique_ptr<uint8_t[]> in_;
  size_t inLength_ = 0;
  size_t inCapacity_ = 0;
  // Sealed bytes the socket did not take, and the plaintext they carry (reported on the retry).
  std::unique_ptr<uint8_t[]> out_;
  size_t outLength_ = 0;
  size_t outOffset_ = 0;
  size_t outPlain_ = 0;
  // A KeyUpdate message split across records.
  uint8_t handshake_[5] = {0};
  uint8_t handshakeLength_ = 0;
  bool keyUpdateOwed_ = false;  // the peer asked for one: sent before our next record
  bool peerClosed_ = false;
  bool closeSent_ = false;
  bool failed_ = false;
  int16_t peerAlert_ = -1;
  const char* error_ = "";
  int errorErrno_ = 0;
};

}  // namespace uws

// One epoll loop per JS thread, living inside Node's own libuv loop: the epoll fd is watched
// by a single uv_poll_t, so the server needs no thread of its own and no polling. Every
// wake-up reads ready sockets into the shared receive arena, records events in the shared
// ring, hands the batch to JS in one call, then flushes what JS queued in the send arena.
// When the arena fills up, the sockets left unread wait in a queue and are read first at the
// next wake-up, in the order they were found (see wake()).
#pragma once
#include <sys/uio.h>
#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "accept-fd-limit.h"
#include "net-address.h"
#include "shared-layout.h"
#include "socket-table.h"
#include "tls-context.h"

namespace uws {

// How fairly the read budget was shared, since the last time it was asked for (see wake()).
struct ReadFairness {
  uint64_t wakeUps = 0;
  // Reads put off to a later wake-up because the receive arena was full.
  uint64_t queuedReads = 0;
  // The most wake-ups a socket found readable waited for its read.
  uint64_t maxQueuedWakeUps = 0;
};

// Views of the memory shared with JS (owned by JS ArrayBuffers kept alive by the addon).
struct SharedMemory {
  int32_t* control = nullptr;
  int32_t* events = nullptr;
  uint8_t* receiveArena = nullptr;
  uint8_t* sendArena = nullptr;
  int32_t* commands = nullptr;
  double* buffered = nullptr;  // per slot: bytes waiting in the backpressure buffer
};

class EventLoop {
 public:
  // `dispatch` runs the JS batch handler (inside a callback scope) when events are pending.
  EventLoop(uv_loop_t* uvLoop, SharedMemory mem, std::function<void()> dispatch);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epfd_ >= 0; }
  int initError() const { return initErrno_; }

  // Each returns -1 with errno set on failure.
  // With `tls`, accepted sockets handshake first; JS hears of them once it completed.
  int listen(const ListenRequest& req, std::shared_ptr<TlsContext> tls, int* boundPort);  // listener id
  void closeListener(int id);
  // With `tls`, the open event comes after the handshake; `serverName` is sent as SNI and
  // checked against the certificate.
  int connect(const std::string& host, int port, std::shared_ptr<TlsContext> tls, const std::string& serverName,
              uint32_t* gen);  // slot
  int adopt(int fd, uint32_t* gen);                                 // slot (fd is dup'ed)

  // Socket operations on (slot, gen); stale handles are ignored.
  void flush();  // writes every queued send command
  // Writes `data` for one socket right away (after flushing queued commands, to keep order).
  void writeDirect(uint32_t slot, uint32_t gen, const uint8_t* data, size_t len);
  void end(uint32_t slot, uint32_t gen);
  void destroy(uint32_t slot, uint32_t gen);
  void pause(uint32_t slot, uint32_t gen);
  void resume(uint32_t slot, uint32_t gen);
  void setTimeout(uint32_t slot, uint32_t gen, uint32_t seconds);
  std::string remoteAddress(uint32_t slot, uint32_t gen, int* port);
  uint32_t liveSockets() const { return table_.live(); }
  // Returns the counts since the previous call and starts them again.
  ReadFairness takeReadFairness() {
    ReadFairness r = fairness_;
    fairness_ = ReadFairness{};
    return r;
  }
  // How the accept path fared at the descriptor limit (see accept-fd-limit.h).
  const AcceptFdLimitStats& acceptFdLimitStats() const { return fdLimit_.stats(); }
  // TLS sockets listed as holding OpenSSL's record buffers (busy, or idle until the next sweep).
  uint32_t tlsBuffersHeld() const { return static_cast<uint32_t>(tlsHolding_.size()); }
  // The TLS session of a socket (also while its close event is handled), or nullptr.
  const TlsSession* tlsSession(uint32_t slot, uint32_t gen);

  // Closes every fd and uv handle; `done` runs when libuv has released the handles.
  void shutdown(std::function<void()> done);

 private:
  static void onPoll(uv_poll_t* handle, int status, int events);
  static void onTick(uv_timer_t* handle);
  static void onKick(uv_timer_t* handle);
  void wake();
  void runBatch();
  void acceptBurst(uint32_t listenerSlot);
  // A listener whose accept() keeps failing stops being watched until the next tick or until
  // one of our sockets closes (a level-triggered listen fd would otherwise wake us at once).
  void pauseListener(uint32_t listenerSlot);
  void resumeListeners();
  void onSocketEvent(uint32_t slot, uint32_t epollEvents);
  bool readInto(uint32_t slot);
  // The read budget: a socket is read only while the arena has room for a useful read; the
  // others queue (readQueue_) and go first next time.
  bool hasReadRoom(const Slot& s) const;
  void queueRead(uint32_t slot);
  size_t serveReadQueue();
  void finishReadQueue(size_t served);
  void onConnectDone(uint32_t slot);
  // Writes every queued command; `direct` (if any) goes out right after `directSlot`'s commands.
  void flush(uint32_t directSlot, const iovec* direct);
  void writeOut(uint32_t slot);
  void sendRun(uint32_t slot, iovec* iov, int count);
  // TLS counterparts: the handshake, decrypting reads, encrypting writes.
  void driveHandshake(uint32_t slot);
  bool readTls(uint32_t slot);
  void sendTls(uint32_t slot, iovec* iov, int count);
  void writeOutTls(uint32_t slot);
  void keepPending(uint32_t slot, const uint8_t* head, size_t headLen, iovec* iov, int count, int from, size_t offset);
  void waitForWrite(uint32_t slot, TlsStep step);
  void failTls(uint32_t slot);
  // OpenSSL's record buffers: a busy connection keeps them, an idle one gives them back.
  void noteTlsTraffic(uint32_t slot);
  void sweepTlsBuffers();
  // After a burst of server handshakes: hands the freed handshake memory back to the system.
  void trimAfterHandshakes();
  void readBacklog();
  void kick();
  void startLinger(uint32_t slot);
  void closeSlot(uint32_t slot, int err);
  void releaseClosed();
  bool pushEvent(int32_t type, uint32_t slot, uint32_t gen, int32_t a, int32_t b);
  bool ringFull() const;
  void updateInterest(uint32_t slot);
  void updateRef();
  void setBuffered(uint32_t slot);
  // The backpressure buffer emptied: release it, then linger (end pending) or report a drain.
  void pendingWritten(uint32_t slot);

  TimerLink& link(uint32_t slot) { return table_.at(slot).timer; }

  uv_loop_t* uvLoop_;
  SharedMemory mem_;
  std::function<void()> dispatch_;
  int epfd_ = -1;
  int initErrno_ = 0;
  uv_poll_t poll_;
  uv_timer_t tick_;
  uv_timer_t kick_;  // re-wakes the loop for TLS bytes that epoll cannot report
  bool closing_ = false;
  int handlesOpen_ = 0;
  std::function<void()> onShutdown_;
  SocketTable table_;
  TimerWheel wheel_;
  // A TLS read needs room for one full record of plaintext.
  static constexpr uint32_t kMinTlsReadRoom = 16 * 1024 + 64;
  uint32_t arenaUsed_ = 0;
  // Sockets found readable while the arena was full, oldest first; each with the wake-up it was
  // queued in. A queued slot has `readQueued` set and is in here once.
  struct QueuedRead {
    uint32_t slot;
    uint32_t gen;
    uint64_t since;
  };
  std::vector<QueuedRead> readQueue_;
  uint64_t wakeUps_ = 0;
  ReadFairness fairness_;
  // Events that found the ring full; delivered in the next round of the same batch.
  std::vector<std::array<int32_t, kEventInts>> overflow_;
  // flush(): per-command link to the next command of the same slot; per slot in this flush
  // its first and last command, in a small open-addressing table sized to the flush (nothing
  // per socket: an idle connection costs no entry); the table entries in first-seen order.
  struct SlotRun {
    uint32_t slot;
    int32_t head;
    int32_t tail;
  };
  std::vector<int32_t> nextCommand_ = std::vector<int32_t>(kCommandCapacity);
  std::vector<SlotRun> runs_;
  std::vector<uint32_t> order_;
  // Slots whose close event JS has not consumed yet.
  std::vector<uint32_t> closed_;
  uint32_t listeners_ = 0;
  // TLS: listener slot -> its context; sockets suspended on an unknown SNI name until JS had
  // its say; sockets with decrypted bytes left inside OpenSSL (arena full, or paused).
  std::unordered_map<uint32_t, std::shared_ptr<TlsContext>> listenerTls_;
  std::vector<std::pair<uint32_t, uint32_t>> nameWaiting_;
  std::vector<std::pair<uint32_t, uint32_t>> tlsBacklog_;
  // Sockets whose TLS session may hold its record buffers (see noteTlsTraffic).
  std::vector<std::pair<uint32_t, uint32_t>> tlsHolding_;
  uint32_t handshakesSinceTrim_ = 0;
  bool kickArmed_ = false;
  std::vector<uint8_t> tlsScratch_;  // coalesces small writes into full records
  bool inBatch_ = false;
  AcceptFdLimit fdLimit_;
  std::vector<std::pair<uint32_t, uint32_t>> pausedListeners_;  // (slot, gen)
};

}  // namespace uws

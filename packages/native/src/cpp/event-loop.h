// One event loop per JS thread, living inside Node's own libuv loop (see poller.h). Every
// wake-up reads ready sockets into the shared receive arena, records events in the shared
// ring, hands the batch to JS in one call, then flushes what JS queued in the send arena.
// When the arena fills up, the sockets left unread wait in a queue and are read first at the
// next wake-up, in the order they were found (see wake()).
//
// The class is the coordinator; its concerns live in files named for them:
//   poller.cc          epoll and the libuv handles
//   event-loop.cc      the wake-up, the event ring, closing a slot, JS's socket operations
//   listen-accept.cc   listening, accepting, connecting, adopting
//   receive-arena.cc   the read budget, the read queue, reads into the arena
//   send-queue.cc      flush: grouping the send commands into writev runs; backpressure; end and linger
//   loop-timers.cc     the 1-second tick and what a deadline does
//   plain-stream.cc    plain TCP bytes (SocketStream)
//   tls-stream.cc      TLS bytes (SocketStream): handshake, decrypting reads, encrypting writes
// A socket's bytes move through its SocketStream (socket-stream.h), so the loop never asks
// whether a socket is TLS.
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
#include "heap-trim.h"
#include "net-address.h"
#include "poller.h"
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

// What the TLS stream keeps per loop (tls-stream.cc): sockets suspended on an unknown SNI name
// until JS had its say; sockets with decrypted bytes left inside OpenSSL (arena full, or
// paused); sessions that may hold their record buffers; the scratch that coalesces writes.
struct TlsLoopState {
  std::vector<std::pair<uint32_t, uint32_t>> nameWaiting;
  std::vector<std::pair<uint32_t, uint32_t>> backlog;
  std::vector<std::pair<uint32_t, uint32_t>> holding;
  std::vector<uint8_t> scratch;
  void clear() {
    nameWaiting.clear();
    backlog.clear();
    holding.clear();
  }
};

class EventLoop {
 public:
  // `dispatch` runs the JS batch handler (inside a callback scope) when events are pending.
  EventLoop(uv_loop_t* uvLoop, SharedMemory mem, std::function<void()> dispatch);
  ~EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return poller_.ok(); }
  int initError() const { return poller_.initError(); }

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
  uint32_t tlsBuffersHeld() const { return static_cast<uint32_t>(tls_.holding.size()); }
  // The TLS session of a socket (also while its close event is handled), or nullptr.
  const TlsSession* tlsSession(uint32_t slot, uint32_t gen);

  // Closes every fd and uv handle; `done` runs when libuv has released the handles.
  void shutdown(std::function<void()> done);

 private:
  // The streams move a socket's bytes with the loop's own primitives below.
  friend struct PlainStream;
  friend struct TlsStream;

  // ---- event-loop.cc: the wake-up and the event ring
  static void onReady(void* self) { static_cast<EventLoop*>(self)->wake(); }
  static void onTick(void* self) { static_cast<EventLoop*>(self)->tick(); }
  void wake();
  void runBatch();
  bool pushEvent(int32_t type, uint32_t slot, uint32_t gen, int32_t a, int32_t b);
  bool ringFull() const;
  void releaseClosed();
  void closeSlot(uint32_t slot, int err);
  void updateInterest(uint32_t slot);
  void updateRef();
  const SocketStream& streamOf(const Slot& s) const { return *kStreams[s.stream]; }

  // ---- listen-accept.cc
  void acceptBurst(uint32_t listenerSlot);
  // A listener whose accept() keeps failing stops being watched until the next tick or until
  // one of our sockets closes (a level-triggered listen fd would otherwise wake us at once).
  void pauseListener(uint32_t listenerSlot);
  void resumeListeners();
  void onConnectDone(uint32_t slot);

  // ---- receive-arena.cc: the read budget. A socket is read only while the arena has room
  // for a useful read; the others queue (readQueue_) and go first next time.
  void onSocketEvent(uint32_t slot, uint32_t epollEvents);
  bool readInto(uint32_t slot);
  bool hasReadRoom(const Slot& s) const;
  void queueRead(uint32_t slot);
  size_t serveReadQueue();
  void finishReadQueue(size_t served);
  // A stream read `n` bytes at arenaUsed_: the data event, and the arena moves on.
  void delivered(uint32_t slot, size_t n);

  // ---- send-queue.cc: writev grouping, backpressure, end and linger
  // Writes every queued command; `direct` (if any) goes out right after `directSlot`'s commands.
  void flush(uint32_t directSlot, const iovec* direct);
  // One socket's run of commands: to its stream, unless it is no longer open for sending.
  void sendRun(uint32_t slot, iovec* iov, int count);
  // Keeps bytes the socket refused, in order: `head`, then iov[from] from `offset` on, then the rest.
  void keepPending(uint32_t slot, const uint8_t* head, size_t headLen, iovec* iov, int count, int from, size_t offset);
  void setBuffered(uint32_t slot);
  // The backpressure buffer emptied: release it, then linger (end pending) or report a drain.
  void pendingWritten(uint32_t slot);
  void setWantOut(uint32_t slot, bool on);
  void startLinger(uint32_t slot);

  // ---- loop-timers.cc
  void tick();
  void onDeadline(uint32_t slot);
  void armTimer(uint32_t slot, uint32_t seconds);
  void disarmTimer(uint32_t slot);

  SharedMemory mem_;
  std::function<void()> dispatch_;
  Poller poller_;
  bool closing_ = false;
  SocketTable table_;
  TimerWheel wheel_;
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
  // Listener slot -> the TLS context its accepted sockets handshake with (none: plain).
  std::unordered_map<uint32_t, std::shared_ptr<TlsContext>> listenerTls_;
  TlsLoopState tls_;
  HeapTrim heapTrim_;
  bool inBatch_ = false;
  AcceptFdLimit fdLimit_;
  std::vector<std::pair<uint32_t, uint32_t>> pausedListeners_;  // (slot, gen)
};

}  // namespace uws

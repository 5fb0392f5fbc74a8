// Layout of the memory shared between the addon and JS. Mirrored in
// src/transport/native-layout.ts: change both together.
#pragma once
#include <cstdint>

namespace uws {

// control: Int32Array of kControlInts.
enum ControlIndex : int {
  kEventCount = 0,   // events written by the addon in the current batch
  kEventRead = 1,    // events consumed by JS
  kCommandCount = 2, // send commands written by JS, not yet flushed
  kSendUsed = 3,     // bytes of the send arena used by those commands
  kTick = 4,         // the timer wheel's current tick (seconds since start)
  kControlInts = 8,
};

// Event ring: kEventInts int32 per event.
enum EventField : int { kEvType = 0, kEvSlot = 1, kEvGen = 2, kEvA = 3, kEvB = 4, kEventInts = 5 };

enum EventType : int32_t {
  kEvOpen = 1,     // a = listener id (-1 connect, -2 adopt)
  kEvData = 2,     // a = offset in receive arena, b = length
  kEvDrain = 3,
  kEvTimeout = 4,
  kEvClose = 5,    // a = errno (0: clean)
  kEvServerName = 6,  // TLS ClientHello names a host no context has; a = TLS context id
};

// Command ring: kCommandInts int32 per command: slot, generation, offset in send arena, length.
enum CommandField : int { kCmdSlot = 0, kCmdGen = 1, kCmdOffset = 2, kCmdLength = 3, kCommandInts = 4 };

constexpr uint32_t kReceiveArenaBytes = 1u << 20;
// The receive ArrayBuffer holds this many bytes more, after the arena: JS copies small messages
// there (copyWithin: no allocation) to hand them out in views it keeps per length. The addon
// never writes there.
constexpr uint32_t kMessageScratchBytes = 1u << 10;
constexpr uint32_t kSendArenaBytes = 1u << 20;
constexpr uint32_t kEventCapacity = 16384;
constexpr uint32_t kCommandCapacity = 16384;
// Slots are packed with their generation into one JS number: gen * 2^22 + slot.
constexpr uint32_t kMaxSlots = 1u << 22;

}  // namespace uws

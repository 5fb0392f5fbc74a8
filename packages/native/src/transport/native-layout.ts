/** Layout of the memory shared with the addon; mirrors src/cpp/shared-layout.h. */

/** Indices in the control Int32Array. */
export const Control = {
  EVENT_COUNT: 0,
  EVENT_READ: 1,
  COMMAND_COUNT: 2,
  SEND_USED: 3,
  TICK: 4,
} as const;

/** Int32 fields per event record, and their order. */
export const EVENT_INTS = 5;
export const Ev = { TYPE: 0, SLOT: 1, GEN: 2, A: 3, B: 4 } as const;

/** Event types. */
export const EventType = {
  OPEN: 1,
  DATA: 2,
  DRAIN: 3,
  TIMEOUT: 4,
  CLOSE: 5,
  /** A TLS ClientHello names a host no context has; A = TLS context id. */
  SERVER_NAME: 6,
} as const;

/** Int32 fields per send command: slot, generation, offset in the send arena, length. */
export const COMMAND_INTS = 4;

/** Events and commands name a socket by slot and generation; `socket-table.ts` packs them into ids. */

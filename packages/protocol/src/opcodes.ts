/** Frame opcodes (RFC 6455 §5.2). 0x3–0x7 and 0xB–0xF are reserved. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** One of the six defined opcodes. */
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/** True for close, ping and pong (opcodes with the high bit set). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

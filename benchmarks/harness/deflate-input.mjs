// The deflate scenario's messages, compressed here with node:zlib because the C load generator
// has no zlib: each is a ~4 KiB JSON text, deflated on its own (raw deflate, sync flush, the
// trailing 00 00 ff ff removed, RFC 7692 section 7.2.1), written as
// [u32 LE raw length][u32 LE compressed length][bytes] records.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export function writeDeflateInput(variants = 16) {
  const records = [];
  for (let v = 0; v < variants; v++) {
    const rows = [];
    for (let i = 0; rows.join(',').length < 4000; i++)
      rows.push(JSON.stringify({ id: v * 1000 + i, user: `user-${(v * 7 + i) % 50}`, action: i % 3 ? 'update' : 'create', value: (i * 37) % 1000 }));
    const raw = Buffer.from(`[${rows.join(',')}]`);
    const full = zlib.deflateRawSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const comp = full.subarray(0, full.length - 4);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(raw.length, 0);
    head.writeUInt32LE(comp.length, 4);
    records.push(head, comp);
  }
  const file = path.join(os.tmpdir(), `uws-bench-deflate-${process.pid}.bin`);
  writeFileSync(file, Buffer.concat(records));
  return file;
}

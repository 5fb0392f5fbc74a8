import { describe, expect, it } from 'vitest';
import * as c from '../../src/app/compress-options.js';

describe('compression options → permessage-deflate', () => {
  it('keeps uWS values', () => {
    expect(c.SHARED_COMPRESSOR).toBe(1);
    expect(c.SHARED_DECOMPRESSOR).toBe(256);
    expect(c.DEDICATED_COMPRESSOR_3KB).toBe(145);
    expect(c.DEDICATED_COMPRESSOR_256KB).toBe(248);
    expect(c.DEDICATED_DECOMPRESSOR_512B).toBe(2304);
    expect(c.DEDICATED_DECOMPRESSOR).toBe(3840);
  });

  it('maps shared and dedicated compressors and decompressors', () => {
    expect(c.deflateSetupFor(c.DISABLED)).toBeUndefined();
    expect(c.deflateSetupFor(c.SHARED_COMPRESSOR)).toEqual({
      negotiation: { serverNoContextTakeover: true },
      memLevel: undefined,
      compresses: true,
    });
    expect(c.deflateSetupFor(c.DEDICATED_COMPRESSOR_4KB | c.SHARED_DECOMPRESSOR)).toEqual({
      negotiation: { serverMaxWindowBits: 9, clientNoContextTakeover: true },
      memLevel: 2,
      compresses: true,
    });
    expect(c.deflateSetupFor(c.DEDICATED_COMPRESSOR | c.DEDICATED_DECOMPRESSOR_1KB)).toEqual({
      negotiation: { clientMaxWindowBits: 10 },
      memLevel: 8,
      compresses: true,
    });
    expect(c.deflateSetupFor(c.DEDICATED_DECOMPRESSOR)?.compresses).toBe(false);
    expect(() => c.deflateSetupFor(0x1000)).toThrow(RangeError);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  DEDICATED_COMPRESSOR_4KB,
  DEDICATED_DECOMPRESSOR_1KB,
  SHARED_COMPRESSOR,
  SHARED_DECOMPRESSOR,
} from '../../src/app/compress-options.js';
import { type Listening, listen, nextMessage, openClient, waitFor } from '../support/app-harness.js';
import { clientFrame, rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

describe.each(transportKinds)('App permessage-deflate (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it.each([
    ['shared', SHARED_COMPRESSOR | SHARED_DECOMPRESSOR],
    ['dedicated', DEDICATED_COMPRESSOR_4KB | DEDICATED_DECOMPRESSOR_1KB],
  ])('echoes compressed messages with a %s compressor', async (_name, compression) => {
    server = await listen(transport, (app) =>
      app.ws('/*', {
        compression,
        maxPayloadLength: 1 << 20,
        message: (ws, message, isBinary) => ws.send(message, isBinary, true),
      }),
    );
    const ws = await openClient(server.url, { perMessageDeflate: true });
    expect(ws.extensions).toContain('permessage-deflate');
    const text = 'compress me '.repeat(2000);
    for (let i = 0; i < 3; i++) {
      const reply = nextMessage(ws);
      ws.send(text);
      expect((await reply).data.toString()).toBe(text);
    }
    const binary = Buffer.alloc(200_000, 7);
    const reply = nextMessage(ws);
    ws.send(binary);
    expect((await reply).data.equals(binary)).toBe(true);
    ws.close();
  });

  it('negotiates the mapped parameters', async () => {
    server = await listen(transport, (app) => app.ws('/*', { compression: SHARED_COMPRESSOR | SHARED_DECOMPRESSOR }));
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest('/', ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits']));
    const head = (await readUntil(socket, (t) => t.includes('\r\n\r\n'))).toString();
    expect(head).toMatch(/Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover/);
    socket.destroy();
  });

  it('publishes one compressed frame to shared-compressor subscribers', async () => {
    server = await listen(transport, (app) => app.ws('/*', { compression: SHARED_COMPRESSOR, open: (ws) => ws.subscribe('t') }));
    const a = await openClient(server.url, { perMessageDeflate: true });
    const b = await openClient(server.url); // no compression: gets the plain frame
    await waitFor(() => server!.app.numSubscribers('t') === 2);
    const text = 'pub '.repeat(1000);
    const [ra, rb] = [nextMessage(a), nextMessage(b)];
    server.app.publish('t', text, false, true);
    expect((await ra).data.toString()).toBe(text);
    expect((await rb).data.toString()).toBe(text);
    // On the wire: RSV1 set for a deflate peer.
    const raw = await rawConnect(server.port);
    raw.write(upgradeRequest('/', ['Sec-WebSocket-Extensions: permessage-deflate']));
    await readUntil(raw, (t) => t.includes('\r\n\r\n'));
    await waitFor(() => server!.app.numSubscribers('t') === 3);
    const frame = readUntil(raw, () => true);
    server.app.publish('t', text, false, true);
    const bytes = await frame;
    expect(bytes[0]).toBe(0xc1); // FIN | RSV1 | text
    expect(bytes.length).toBeLessThan(200);
    raw.destroy();
    a.close();
    b.close();
  });
  it.each([
    [0, (n: number, size: number) => expect(n).toBeGreaterThan(size)], // stored blocks: no smaller
    [9, (n: number) => expect(n).toBeLessThan(100)],
  ])('compresses at compressionLevel %i', async (level, check) => {
    server = await listen(transport, (app) =>
      app.ws('/*', {
        compression: SHARED_COMPRESSOR | SHARED_DECOMPRESSOR,
        compressionLevel: level,
        message: (ws, message, isBinary) => ws.send(message, isBinary, true),
      }),
    );
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest('/', ['Sec-WebSocket-Extensions: permessage-deflate']));
    const text = 'a'.repeat(4000);
    const head = await readUntil(socket, (t) => t.includes('\r\n\r\n'));
    expect(head.toString()).toContain('permessage-deflate');
    socket.write(clientFrame(0x1, Buffer.from(text)));
    // The 101 was read whole above: what comes now is the echo's frame.
    const frame = await readUntil(socket, (t) => {
      if (t.length < 4) return false;
      const len = t.charCodeAt(1) & 0x7f;
      return t.length >= (len === 126 ? 4 + ((t.charCodeAt(2) << 8) | t.charCodeAt(3)) : 2 + len);
    });
    expect(frame[0]).toBe(0xc1); // FIN, RSV1 (compressed), text
    const len = frame[1] & 0x7f;
    check(len === 126 ? frame.readUInt16BE(2) : len, text.length);
    socket.destroy();
  });

  it('rejects a compressionLevel zlib does not have', async () => {
    for (const compressionLevel of [-1, 10, 1.5, Number.NaN]) {
      await expect(listen(transport, (app) => app.ws('/*', { compression: SHARED_COMPRESSOR, compressionLevel }))).rejects.toThrow(/compressionLevel must be an integer 0..9/);
    }
  });
});

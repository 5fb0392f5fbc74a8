import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, openClient, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

/** Bytes that depend on `seed`, so consecutive messages of one length differ. */
function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 13 + seed * 101) & 0xff;
  return out;
}

describe.each(transportKinds)('App message views (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('hands every message its own bytes, however views are reused, and echoes them intact', async () => {
    const seen: Array<{ view: Uint8Array; copy: Buffer; text: string | undefined }> = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxPayloadLength: 1 << 20,
        message: (ws, message, isBinary) => {
          seen.push({ view: message, copy: Buffer.from(message), text: isBinary ? undefined : Buffer.from(message).toString() });
          ws.send(message, isBinary);
        },
      }),
    );
    const client = await openClient(server.url);
    const echoed: Buffer[] = [];
    client.on('message', (d: Buffer) => echoed.push(d));
    // Same lengths again and again (small ones share a view per length), a length past the
    // scratch area, a large message streamed over several reads, and text.
    const sent = [pattern(16, 1), pattern(16, 2), pattern(16, 3), pattern(1024, 4), pattern(1025, 5), pattern(200_000, 6), pattern(200_000, 7), pattern(16, 8)];
    for (const m of sent) client.send(m);
    client.send('héllo');
    client.send('wörld');
    await waitFor(() => echoed.length === sent.length + 2, 10_000, 'all echoes');
    sent.forEach((m, i) => {
      expect(seen[i].copy.equals(m), `message ${i} as received`).toBe(true);
      expect(echoed[i].equals(m), `message ${i} as echoed`).toBe(true);
    });
    expect(seen.slice(-2).map((s) => s.text)).toEqual(['héllo', 'wörld']);
    expect(echoed.slice(-2).map((d) => d.toString())).toEqual(['héllo', 'wörld']);
    if (transport === 'epoll') {
      // Views are only valid inside the handler: the epoll transport reuses one per small length.
      expect(seen[1].view).toBe(seen[0].view);
      expect(seen[7].view).toBe(seen[0].view);
      expect(seen[4].view).not.toBe(seen[3].view);
    }
    client.close();
  });
});

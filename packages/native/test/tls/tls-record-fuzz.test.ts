/**
 * Seeded fuzzing of the TLS 1.3 record layer: each session sends authentic records (sealed with
 * the client's key) of random content types, lengths, padding, KeyUpdates and alerts, plus
 * forged or malformed ones, cut into random pieces. A model of RFC 8446 says how each session
 * must end; the server must deliver exactly the application data that came before the end,
 * close with the right errno, and keep serving. UWS_FUZZ_SEED / UWS_FUZZ_SESSIONS widen a run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/app-harness.js';
import { Rng } from '../support/fuzz-input.js';
import { EPROTO, craftingClient, echoServer } from '../support/tls-record-harness.js';
import { CONTENT, type RecordSealer, keyUpdate } from '../support/tls13-records.js';

const SEED = Number(process.env.UWS_FUZZ_SEED ?? 20261122);
const SESSIONS = Number(process.env.UWS_FUZZ_SESSIONS ?? 40);

type Ending = 'open' | 'close_notify' | 'fatal';

interface Plan {
  bytes: Buffer;
  delivered: Buffer; // the application data the server must hand over
  ending: Ending;
}

/** Records for one session, and what the server must make of them. */
function plan(rng: Rng, sealer: RecordSealer): Plan {
  const records: Buffer[] = [];
  const delivered: Buffer[] = [];
  let ending: Ending = 'open';
  const count = 1 + rng.below(12);
  for (let i = 0; i < count && ending === 'open'; i++) {
    const roll = rng.below(100);
    const padding = rng.chance(0.3) ? rng.below(64) : 0;
    if (roll < 55) {
      const size = rng.chance(0.1) ? rng.below(16_385) : rng.below(2000);
      const data = rng.bytes(size);
      records.push(sealer.seal(CONTENT.applicationData, data, { padding: Math.min(padding, 16_384 - size) }));
      delivered.push(data);
    } else if (roll < 63) {
      const message = keyUpdate(rng.below(2));
      if (rng.chance(0.5)) {
        records.push(sealer.seal(CONTENT.handshake, message, { padding }));
      } else {
        const cut = 1 + rng.below(4);
        records.push(sealer.seal(CONTENT.handshake, message.subarray(0, cut)), sealer.seal(CONTENT.handshake, message.subarray(cut)));
      }
      sealer.advance();
    } else if (roll < 67) {
      records.push(sealer.seal(CONTENT.alert, Buffer.from([1, 90]))); // user_canceled: carry on
    } else if (roll < 70) {
      records.push(sealer.seal(CONTENT.alert, Buffer.from([1, 0]), { padding }));
      ending = 'close_notify';
    } else {
      ending = 'fatal';
      const kind = rng.below(9);
      if (kind === 0) records.push(sealer.seal(CONTENT.applicationData, rng.bytes(rng.below(500)), { tamper: true }));
      else if (kind === 1) records.push(sealer.seal(0, Buffer.alloc(0), { padding: 1 + rng.below(40) }));
      else if (kind === 2) records.push(sealer.seal([20, 24, 99, 255][rng.below(4)], rng.bytes(1 + rng.below(40))));
      else if (kind === 3) records.push(sealer.seal(CONTENT.handshake, Buffer.concat([Buffer.from([1 + rng.below(23)]), rng.bytes(rng.below(20))])));
      else if (kind === 4) records.push(sealer.seal(CONTENT.alert, Buffer.from([2, [10, 20, 40, 47, 50, 80][rng.below(6)]])));
      else if (kind === 5) records.push(sealer.seal(CONTENT.alert, rng.bytes(rng.chance(0.5) ? 1 : 3 + rng.below(5))));
      else if (kind === 6) records.push(Buffer.concat([Buffer.from([20 + rng.below(3), 3, 3, 0, 1]), rng.bytes(1)]));
      else if (kind === 7) records.push(Buffer.from([23, 3, 3, 0x41 + rng.below(0xbf), rng.below(256)]));
      else records.push(sealer.seal(CONTENT.applicationData, Buffer.alloc(16_385)));
    }
  }
  return { bytes: Buffer.concat(records), delivered: Buffer.concat(delivered), ending };
}

describe('TLS 1.3 record layer under seeded fuzzing (epoll server)', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it(`ends ${SESSIONS} sessions as RFC 8446 says, delivering what came before (seed ${SEED})`, async () => {
    const server = echoServer();
    cleanups.push(() => server.transport.close());
    const rng = new Rng(SEED);
    for (let session = 0; session < SESSIONS; session++) {
      const c = await craftingClient(server);
      cleanups.push(c.close);
      const p = plan(rng, c.sealer);
      // Cut into pieces, some a byte long, sent a tick apart: records arrive split anywhere.
      for (let at = 0; at < p.bytes.length; ) {
        const piece = rng.chance(0.2) ? 1 + rng.below(8) : 1 + rng.below(20_000);
        c.send(p.bytes.subarray(at, at + piece));
        at += piece;
        if (rng.chance(0.3)) await new Promise((r) => setImmediate(r));
      }
      const what = `session ${session}: ${p.ending}, ${p.delivered.length} bytes`;
      if (p.ending === 'open') {
        await waitFor(() => (server.received.get(c.id)?.length ?? 0) >= p.delivered.length, 5000, what);
        expect(server.closes.has(c.id), what).toBe(false);
      } else {
        await waitFor(() => server.closes.has(c.id), 5000, what);
        expect(server.closes.get(c.id)?.errno, what).toBe(p.ending === 'fatal' ? EPROTO : 0);
      }
      expect(Buffer.from(server.received.get(c.id) ?? '', 'latin1').equals(p.delivered), what).toBe(true);
      c.close();
    }
    // Still serving: one more intact session echoes.
    const last = await craftingClient(server);
    cleanups.push(last.close);
    last.send(last.sealer.seal(CONTENT.applicationData, Buffer.from('still here')));
    await waitFor(() => last.text() === 'still here', 5000, 'echo after the fuzzing');
  });
});

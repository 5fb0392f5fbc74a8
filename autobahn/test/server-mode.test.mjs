// Fuzzing-server mode: the catalogue served to clients (counts, the suite's client flow, the
// accept rules of 12.x/13.x), and the checks only a server makes (client frames masked,
// upgrade requests well-formed).
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE, selectCases } from '../src/catalogue.mjs';
import { FuzzingServer } from '../src/fuzzing-server.mjs';
import { acceptResponse, parseClientOffers } from '../src/permessage-deflate-server.mjs';
import { encodeFrame } from '../src/wire-frame.mjs';

/** @type {FuzzingServer[]} */
const servers = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** @param {import('../src/case-builders.mjs').CaseEntry[]} entries */
async function serve(entries) {
  const server = new FuzzingServer(entries, { deflateLevel: 1 });
  servers.push(server);
  return { server, port: await server.listen() };
}

/**
 * A raw client: sends an upgrade request for `path` and then `frames`; resolves with every
 * byte the server sent once it closed the connection.
 * @param {number} port @param {string} path @param {(key: string) => Buffer[]} [after]
 * @returns {Promise<string>}
 */
function rawClient(port, path, after = () => []) {
  return new Promise((resolve) => {
    const key = randomBytes(16).toString('base64');
    const socket = net.connect({ host: '127.0.0.1', port });
    /** @type {Buffer[]} */
    const got = [];
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      for (const b of after(key)) socket.write(b);
    });
    socket.on('data', (d) => got.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
  });
}

describe('fuzzing-server mode', () => {
  it('serves the same 517 cases, every compression case with an accept rule and no other', () => {
    expect(CATALOGUE).toHaveLength(517);
    const withRule = CATALOGUE.filter((c) => c.serverAccept).map((c) => c.id);
    expect(withRule).toHaveLength(216);
    expect(withRule.every((id) => /^1[23]\./.test(id))).toBe(true);
  });

  it('answers /getCaseCount with the number of cases it serves', async () => {
    const { port } = await serve(selectCases(['6.4.*', '7.1.*']));
    const bytes = await rawClient(port, '/getCaseCount');
    expect(bytes).toMatch(/^HTTP\/1\.1 101 /);
    // An unmasked text frame "10", then a close frame without a code.
    expect(bytes).toContain('\x81\x0210\x88\x00');
  });

  it('refuses bad /runCase and /updateReports requests with 400 or 404', async () => {
    const { port } = await serve(selectCases(['1.1.*']));
    expect(await rawClient(port, '/runCase?case=1')).toMatch(/^HTTP\/1\.1 400 .*\r\n[^]*need agent/);
    expect(await rawClient(port, '/runCase?case=9&agent=a')).toMatch(/^HTTP\/1\.1 400 .*\r\n[^]*case 9 not found/);
    expect(await rawClient(port, '/runCase?case=0&agent=a')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawClient(port, '/updateReports')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawClient(port, '/other')).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('fails a client that sends an unmasked frame with 1002', async () => {
    const { server, port } = await serve(selectCases(['1.1.1']));
    const reports = new Promise((resolve) => server.once('result', (agent, r) => resolve([agent, r])));
    // Echo of case 1.1.1 (an empty text message), but unmasked.
    const bytes = await rawClient(port, '/runCase?case=1&agent=raw', () => [encodeFrame({ opcode: 1 }, false)]);
    const [agent, r] = /** @type {[string, import('../src/runner.mjs').CaseResult]} */ (await reports);
    expect(agent).toBe('raw');
    expect(r.behavior).toBe('FAILED');
    // The server's close frame: code 1002.
    expect(bytes).toContain('\x88');
    expect(bytes.slice(bytes.indexOf('\x88') + 2, bytes.indexOf('\x88') + 4)).toBe('\x03\xea');
  });

  it('passes a client that echoes masked, and reports it under its agent', async () => {
    const { server, port } = await serve(selectCases(['1.1.1']));
    const result = new Promise((resolve) => server.once('result', (_a, r) => resolve(r)));
    // The masked echo of 1.1.1 (an empty text message), and the reply to the close the server
    // sends once the echo matched (written at once: the server reads it after the echo).
    await rawClient(port, '/runCase?case=1&agent=raw', () => [encodeFrame({ opcode: 1 }, true), encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]) }, true)]);
    const r = /** @type {import('../src/runner.mjs').CaseResult} */ (await result);
    expect([r.behavior, r.behaviorClose]).toEqual(['OK', 'OK']);
    expect(server.resultsOf('raw').map((x) => x.id)).toEqual(['1.1.1']);
  });
});

describe('permessage-deflate from the server side (the suite\'s accept rules)', () => {
  const rule = (/** @type {string} */ id) => /** @type {import('../src/permessage-deflate-server.mjs').AcceptRule} */ (CATALOGUE.find((c) => c.id === id)?.serverAccept);
  const answer = (/** @type {string} */ id, /** @type {string} */ header) => {
    const a = rule(id)(parseClientOffers(header));
    return a ? acceptResponse(a).response : undefined;
  };

  it('12.x and 13.1 take the first offer as it is', () => {
    expect(answer('12.1.1', 'permessage-deflate')).toBe('permessage-deflate');
    expect(answer('13.1.1', 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10')).toBe(
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=10',
    );
  });

  it('13.2–13.6 ask the client for no context takeover and/or a window', () => {
    const offer = 'permessage-deflate; client_max_window_bits';
    expect(answer('13.2.1', offer)).toBe('permessage-deflate; client_no_context_takeover');
    expect(answer('13.3.1', offer)).toBe('permessage-deflate; client_max_window_bits=9');
    expect(answer('13.4.1', offer)).toBe('permessage-deflate; client_max_window_bits=15');
    expect(answer('13.5.1', offer)).toBe('permessage-deflate; client_no_context_takeover; client_max_window_bits=9');
    expect(answer('13.6.1', offer)).toBe('permessage-deflate; client_no_context_takeover; client_max_window_bits=15');
  });

  it('declines a window for an offer without client_max_window_bits; 13.7 then falls back', () => {
    const bare = 'permessage-deflate';
    // No client_max_window_bits: no window may be asked for (RFC 7692 §7.1.2.2).
    for (const id of ['13.3.1', '13.4.1', '13.5.1', '13.6.1']) expect(answer(id, bare)).toBeUndefined();
    expect(answer('13.2.1', bare)).toBe('permessage-deflate; client_no_context_takeover');
    expect(answer('13.7.1', bare)).toBe('permessage-deflate; client_no_context_takeover');
    expect(answer('13.7.1', 'permessage-deflate; client_max_window_bits')).toBe('permessage-deflate; client_no_context_takeover; client_max_window_bits=9');
  });

  it('refuses offers the suite cannot parse', () => {
    expect(() => parseClientOffers('permessage-deflate; server_max_window_bits=8')).toThrow();
    expect(() => parseClientOffers('permessage-deflate; foo')).toThrow();
    expect(() => parseClientOffers('permessage-deflate; server_no_context_takeover; server_no_context_takeover')).toThrow();
    expect(parseClientOffers('x-webkit-deflate-frame, permessage-deflate')).toHaveLength(1);
  });
});

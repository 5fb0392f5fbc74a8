// The opening handshake's head parsing and checks, both roles. Input: one config byte, then the
// head bytes (and whatever follows them).
//   byte 0: bit 0 the role (0: a request to a ServerHandshake, 1: a response to a
//           ClientHandshake), bits 1-5 the chunk seed, bit 6 permessage-deflate on (server:
//           agreed to; client: offered), bit 7 subprotocols (server: picks the first offered;
//           client: offers `chat, superchat`).
// Oracles: nothing but a HandshakeError leaves the API; a refusal has a status the handshake
// answers with; what is accepted has what RFC 6455 §4 requires (checked here independently);
// the server's 101 is accepted by a client with the same key; fed in chunks, the verdict is the
// one of the whole head.
import { chunkCuts, pieces } from '../lib/chunks.mjs';
import { check, checkEqual } from '../lib/check.mjs';

/** The key of every client handshake here; the response seeds carry its accept value. */
export const FIXED_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
const LIMITS = { maxHeaderBytes: 2048, maxHeaderCount: 32 };

function hasToken(value, token) {
  return value !== undefined && value.split(',').some((t) => t.trim().toLowerCase() === token);
}

function headOf(head) {
  if (head === undefined) return undefined;
  const { headers, ...start } = head;
  return { ...start, fields: headers.raw.map(([name, value]) => [name, value]) };
}

function errorOf(error) {
  return error === undefined ? undefined : { code: error.code, status: error.status, reason: error.reason };
}

function serverRun(codec, config, chunks) {
  const hs = new codec.ServerHandshake({
    ...LIMITS,
    perMessageDeflate: config.deflate,
    selectProtocol: config.protocols ? (offered) => offered[0] : undefined,
  });
  let head;
  let i = 0;
  for (; i < chunks.length; i++) {
    head = hs.receiveData(chunks[i]);
    if (head !== undefined || hs.state === 'rejected') break;
  }
  let validated;
  if (head !== undefined) validated = hs.validate();
  if (validated !== undefined) hs.accept();
  const sent = Buffer.concat(hs.dataToSend()).toString('latin1');
  if (hs.state === 'rejected') {
    check(hs.error instanceof codec.HandshakeError, 'rejected without a HandshakeError');
    check([400, 403, 426, 431].includes(hs.error.status), () => `rejected with status ${hs.error.status}`);
    check(sent.startsWith(`HTTP/1.1 ${hs.error.status} `), 'the rejection sent is not the error status');
  }
  if (validated !== undefined) checkAccepted(codec, head, validated, sent, config);
  return {
    state: hs.state,
    error: errorOf(hs.error),
    head: headOf(head),
    rest: head === undefined ? undefined : Buffer.concat([hs.rest, ...chunks.slice(i + 1)]),
    accepted: validated === undefined ? undefined : { protocol: validated.protocol, deflate: validated.deflate, extensions: validated.extensions, sent },
  };
}

/** An accepted request has what RFC 6455 §4.2.1 requires, and its 101 satisfies a client. */
function checkAccepted(codec, head, validated, sent, config) {
  const h = head.headers;
  check(head.method === 'GET', 'accepted a method other than GET');
  check(head.versionMajor > 1 || (head.versionMajor === 1 && head.versionMinor >= 1), 'accepted HTTP older than 1.1');
  check(h.getAll('host').length === 1, 'accepted without exactly one Host');
  check(hasToken(h.get('upgrade'), 'websocket'), 'accepted without Upgrade: websocket');
  check(hasToken(h.get('connection'), 'upgrade'), 'accepted without Connection: upgrade');
  check(h.get('sec-websocket-version') === '13', 'accepted a version other than 13');
  check(h.getAll('sec-websocket-key').length === 1 && KEY.test(h.get('sec-websocket-key')), 'accepted a bad key');
  if (validated.protocol !== undefined) check(config.protocols && validated.protocol === validated.protocols[0], 'answered a protocol not chosen');
  if (validated.deflate !== undefined) {
    const d = validated.deflate;
    for (const bits of [d.serverMaxWindowBits, d.clientMaxWindowBits]) check(Number.isInteger(bits) && bits >= 8 && bits <= 15, 'negotiated window bits outside 8..15');
    return; // the extension answer is the extensions-header target's to check
  }
  const parser = new codec.HttpHeadParser('response');
  const response = parser.push(Buffer.from(sent, 'latin1'));
  check(response !== undefined && response.rest.length === 0, 'the 101 is not one complete head');
  // Throws a HandshakeError (a crash here) when a client would refuse the server's own answer.
  codec.validateUpgradeResponse(response.head, { key: validated.key, protocols: validated.protocol === undefined ? undefined : validated.protocols });
}

function clientRun(codec, config, chunks) {
  const hs = new codec.ClientHandshake({
    ...LIMITS,
    host: 'example.com',
    path: '/chat',
    key: FIXED_KEY,
    protocols: config.protocols ? ['chat', 'superchat'] : undefined,
    perMessageDeflate: config.deflate ? { clientMaxWindowBits: true } : undefined,
  });
  let response;
  let thrown;
  let i = 0;
  for (; i < chunks.length; i++) {
    try {
      response = hs.receiveData(chunks[i]);
    } catch (error) {
      // The one documented error: a refused or malformed answer.
      if (!(error instanceof codec.HandshakeError)) throw error;
      thrown = error;
      check(hs.state === 'failed' && hs.error === error, 'a HandshakeError without the failed state');
      break;
    }
    if (response !== undefined) break;
  }
  if (response !== undefined) {
    const h = hs.head.headers;
    check(hs.head.status === 101, 'accepted a status other than 101');
    check(h.getAll('sec-websocket-accept').length === 1 && h.get('sec-websocket-accept') === codec.acceptKey(FIXED_KEY), 'accepted a wrong Sec-WebSocket-Accept');
    check(hasToken(h.get('upgrade'), 'websocket') && hasToken(h.get('connection'), 'upgrade'), 'accepted without the upgrade fields');
    if (response.protocol !== undefined) check(config.protocols && ['chat', 'superchat'].includes(response.protocol), 'accepted a protocol not offered');
    else check(!config.protocols, 'accepted no protocol when some were offered');
    if (response.deflate !== undefined) {
      check(config.deflate, 'accepted compression not offered');
      const d = response.deflate;
      for (const bits of [d.serverMaxWindowBits, d.clientMaxWindowBits]) check(Number.isInteger(bits) && bits >= 8 && bits <= 15, 'agreed window bits outside 8..15');
    }
  }
  return {
    state: hs.state,
    error: errorOf(thrown),
    head: headOf(hs.head),
    rest: response === undefined ? undefined : Buffer.concat([hs.rest, ...chunks.slice(i + 1)]),
    response: response === undefined ? undefined : { protocol: response.protocol, deflate: response.deflate },
  };
}

export function httpHeadTarget(codec) {
  return {
    name: 'http-head',
    configBytes: 1,
    dictionary: [
      '\r\n',
      '\r\n\r\n',
      'GET /chat HTTP/1.1\r\n',
      'HTTP/1.1 101 Switching Protocols\r\n',
      'Host: example.com\r\n',
      'Upgrade: websocket\r\n',
      'Connection: Upgrade\r\n',
      'Sec-WebSocket-Version: 13\r\n',
      `Sec-WebSocket-Key: ${FIXED_KEY}\r\n`,
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n',
      'Sec-WebSocket-Protocol: chat, superchat\r\n',
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n',
      'Origin: http://example.com\r\n',
      'Content-Length: 0\r\n',
      'Transfer-Encoding: chunked\r\n',
      ': ',
      ', ',
      ' ',
      '\t',
      'HTTP/1.0',
    ],
    run(input) {
      const b0 = input[0] ?? 0;
      const config = { client: (b0 & 1) !== 0, chunkSeed: (b0 >> 1) & 31, deflate: (b0 & 0x40) !== 0, protocols: (b0 & 0x80) !== 0 };
      const bytes = input.subarray(1);
      const run = config.client ? clientRun : serverRun;
      const whole = run(codec, config, [new Uint8Array(bytes)]);
      const chunked = run(codec, config, pieces(bytes, chunkCuts(config.chunkSeed, bytes.length)));
      if (whole.rest !== undefined) check(Buffer.from(bytes.subarray(bytes.length - whole.rest.length)).equals(whole.rest), 'rest is not the end of the input');
      // The rest includes the chunks after the completing one, which a transport would also feed on.
      checkEqual(chunked, whole, 'verdicts, chunked vs whole,');
    },
  };
}

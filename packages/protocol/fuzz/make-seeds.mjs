// Writes the named seed inputs of every target to corpus/<target>/ from the codec's own
// serializer (client frames re-masked with fixed keys, so the files are the same on every run)
// and a few hand-built edge cases. `found-*` files (added by `run.mjs --merge`) are left alone.
//
//   node fuzz/make-seeds.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, loadCodec, packageDir } from './lib/codec.mjs';
import { decodeFrames, encodeRawFrame } from './lib/wire.mjs';
import { FIXED_KEY } from './targets/http-head.mjs';

ensureBuilt();
const codec = await loadCodec();
const corpusDir = join(packageDir, 'fuzz', 'corpus');
const latin1 = (s) => new Uint8Array(Buffer.from(s, 'latin1'));
const utf8 = (s) => new Uint8Array(Buffer.from(s, 'utf8'));
const bytes = (...b) => new Uint8Array(b);

function writeSeeds(target, seeds) {
  const dir = join(corpusDir, target);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (!name.startsWith('found-')) rmSync(join(dir, name));
  for (const [name, data] of Object.entries(seeds)) writeFileSync(join(dir, name), data);
}

// ---- connection-server / connection-client ---------------------------------------------

/** Config bytes of the connection targets (see targets/connection.mjs). */
function config({ deflate = false, snct = false, cnct = false, serverBits = 15, clientBits = 15, variant = 0, chunkSeed = 5 } = {}) {
  return bytes((deflate ? 1 : 0) | (snct ? 2 : 0) | (cnct ? 4 : 0) | ((serverBits - 8) << 3) | (variant << 6), (clientBits - 8) | (chunkSeed << 3));
}

/** Re-masks a client's frames with keys from a counter (the codec draws random keys). */
function fixedKeys(wire) {
  let n = 1;
  return Buffer.concat(
    decodeFrames(wire).frames.map((f) => {
      const key = f.masked ? bytes(n, n * 3, n * 7, n * 11).map((b) => b & 0xff) : undefined;
      n++;
      return encodeRawFrame({ fin: f.fin, rsv: f.rsv, opcode: f.opcode, payload: f.payload, key });
    }),
  );
}

/** What a peer of `role` sends for `script(peer)`, with its config bytes in front. */
function peerStream(role, cfg, params, script) {
  const peer = new codec.Connection({ role: role === 'server' ? 'client' : 'server', deflate: params, compressThreshold: 0 });
  const wire = Buffer.concat(script(peer).flat());
  return Buffer.concat([config(cfg), fixedKeys(wire)]);
}

/** A raw frame from the peer of `role` (masked when the receiver is a server). */
function raw(role, opcode, payload, { fin = true, rsv = 0 } = {}) {
  return encodeRawFrame({ fin, rsv, opcode, payload, key: role === 'server' ? bytes(0x37, 0xfa, 0x21, 0x3d) : undefined });
}

function connectionSeeds(role) {
  const deflateOn = { deflate: true };
  const params = (c) => ({ serverNoContextTakeover: !!c.snct, clientNoContextTakeover: !!c.cnct, serverMaxWindowBits: c.serverBits ?? 15, clientMaxWindowBits: c.clientBits ?? 15 });
  const plain = (script, cfg = {}) => peerStream(role, cfg, undefined, script);
  const compressed = (script, cfg = {}) => peerStream(role, { ...deflateOn, ...cfg }, params(cfg), script);
  const withRaw = (cfg, ...frames) => Buffer.concat([config(cfg), ...frames]);
  const big = new Uint8Array(300).map((_, i) => i & 0xff);
  // 1000 bytes from an LCG, twice: the second copy is one match 1000 bytes back.
  let lcg = 1;
  const noise = new Uint8Array(1000).map(() => (lcg = (lcg * 1103515245 + 12345) >>> 0) >>> 24);
  return {
    'text-hello': plain((p) => [p.sendText('hello')]),
    'binary-small': plain((p) => [p.sendBinary(bytes(0, 1, 2, 0xff))]),
    'text-empty': plain((p) => [p.sendText('')], { chunkSeed: 0 }),
    'binary-300-16bit-length': plain((p) => [p.sendBinary(big)], { chunkSeed: 20 }),
    'fragmented-text-3': plain((p) => [p.sendText('he', { fin: false }), p.sendText('ll', { fin: false }), p.sendText('o')]),
    'fragmented-ping-between': plain((p) => [p.sendText('ab', { fin: false }), p.ping(utf8('x')), p.sendText('cd')], { chunkSeed: 1 }),
    'fragmented-utf8-split': plain((p) => [p.sendText(Buffer.from('€', 'utf8').subarray(0, 2), { fin: false }), p.sendText(Buffer.from('€', 'utf8').subarray(2))]),
    'ping-pong': plain((p) => [p.ping(utf8('ping')), p.pong(utf8('pong'))]),
    'close-with-reason': plain((p) => [p.sendText('bye'), p.close(1000, 'done')]),
    'close-empty': plain((p) => [p.close()]),
    'close-4999-variant2': plain((p) => [p.close(4999, 'app')], { variant: 2 }),
    'many-fragments-variant1': plain((p) => [p.sendBinary(big, { fragmentSize: 40 })], { variant: 1 }),
    'handler-fragments-variant3': plain((p) => [p.sendBinary(big, { fragmentSize: 100 }), p.sendText('done')], { variant: 3, chunkSeed: 3 }),
    'compressed-text': compressed((p) => [p.sendText('hello hello hello hello')]),
    'compressed-two-takeover': compressed((p) => [p.sendText('abcabcabcabc'), p.sendText('abcabcabcabc')], { chunkSeed: 2 }),
    'compressed-no-takeover-8bit': compressed((p) => [p.sendText('abcabcabcabc'), p.sendBinary(big)], { snct: true, cnct: true, serverBits: 8, clientBits: 8 }),
    'compressed-fragmented': compressed((p) => [p.sendText('x'.repeat(200), { fragmentSize: 3 })], { variant: 3 }),
    'compressed-bomb-variant1': compressed((p) => [p.sendBinary(new Uint8Array(4000))], { variant: 1 }),
    // The peer agreed to a 512-byte window and compressed with 32 KiB (see fartherThanWindow).
    'compressed-farther-than-window': peerStream(role, { ...deflateOn, serverBits: 9, clientBits: 9, chunkSeed: 0 }, params({}), (p) => [p.sendBinary(Buffer.concat([noise, noise]))]),
    'compressed-uncompressed-mix': compressed((p) => [p.sendText('plain', { compress: false }), p.sendText('squeezed squeezed', { compress: true })]),
    // Hand-built: what a conforming peer does not send.
    'bad-utf8-text': withRaw({}, raw(role, 0x1, bytes(0x68, 0xc0, 0x80))),
    'bad-utf8-close-reason': withRaw({}, raw(role, 0x8, bytes(0x03, 0xe8, 0xed, 0xa0, 0x80))),
    'close-1005-on-wire': withRaw({}, raw(role, 0x8, bytes(0x03, 0xed))),
    'close-one-byte': withRaw({}, raw(role, 0x8, bytes(0x03))),
    'continuation-first': withRaw({}, raw(role, 0x0, utf8('x'))),
    'text-inside-fragments': withRaw({}, raw(role, 0x1, utf8('a'), { fin: false }), raw(role, 0x1, utf8('b'))),
    'reserved-opcode-3': withRaw({}, raw(role, 0x3, utf8('x'))),
    'rsv2-set': withRaw({}, raw(role, 0x1, utf8('x'), { rsv: 2 })),
    'rsv1-without-deflate': withRaw({}, raw(role, 0x1, utf8('x'), { rsv: 4 })),
    'ping-not-fin': withRaw({}, raw(role, 0x9, utf8('x'), { fin: false })),
    'ping-126-bytes': withRaw({}, raw(role, 0x9, new Uint8Array(126))),
    'wrong-mask': withRaw({}, encodeRawFrame({ opcode: 0x1, payload: utf8('hi'), key: role === 'server' ? undefined : bytes(1, 2, 3, 4) })),
    // Lengths: a 64-bit field for 5 bytes, 2^63, and one past the 64 KiB payload limit.
    'length-64bit-overlong': withRaw({}, Buffer.concat([bytes(0x82, (role === 'server' ? 0x80 : 0) | 127, 0, 0, 0, 0, 0, 0, 0, 5), role === 'server' ? bytes(0, 0, 0, 0) : bytes(), bytes(1, 2, 3, 4, 5)])),
    'length-2-pow-63': withRaw({}, bytes(0x82, (role === 'server' ? 0x80 : 0) | 127, 0x80, 0, 0, 0, 0, 0, 0, 0)),
    'length-over-limit': withRaw({ chunkSeed: 0 }, bytes(0x82, (role === 'server' ? 0x80 : 0) | 127, 0, 0, 0, 0, 0, 1, 0, 1)),
    'compressed-corrupt': withRaw(deflateOn, raw(role, 0x2, bytes(0xff, 0xff, 0xff, 0x00), { rsv: 4 })),
  };
}

writeSeeds('connection-server', connectionSeeds('server'));
writeSeeds('connection-client', connectionSeeds('client'));

// ---- http-head ---------------------------------------------------------------------------

const REQUEST = ['GET /chat HTTP/1.1', 'Host: example.com', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${FIXED_KEY}`, 'Sec-WebSocket-Version: 13'];
const ACCEPT = codec.acceptKey(FIXED_KEY);
const RESPONSE = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${ACCEPT}`];
/** A head from lines; config byte: bit 0 client, chunk seed, bit 6 deflate, bit 7 protocols. */
function head(lines, { client = false, chunkSeed = 3, deflate = false, protocols = false, after = '' } = {}) {
  const b0 = (client ? 1 : 0) | (chunkSeed << 1) | (deflate ? 0x40 : 0) | (protocols ? 0x80 : 0);
  return Buffer.concat([bytes(b0), latin1(`${lines.join('\r\n')}\r\n\r\n${after}`)]);
}
const without = (lines, prefix) => lines.filter((l) => !l.startsWith(prefix));

writeSeeds('http-head', {
  'request-valid': head(REQUEST),
  'request-protocols': head([...REQUEST, 'Sec-WebSocket-Protocol: chat, superchat', 'Origin: http://example.com'], { protocols: true, chunkSeed: 0 }),
  'request-deflate': head([...REQUEST, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo'], { deflate: true }),
  'request-frames-after': head(REQUEST, { after: '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58' }),
  'request-post': head(['POST /chat HTTP/1.1', ...REQUEST.slice(1)]),
  'request-http10': head(['GET /chat HTTP/1.0', ...REQUEST.slice(1)]),
  'request-no-host': head(without(REQUEST, 'Host')),
  'request-two-hosts': head([...REQUEST, 'Host: other.example']),
  'request-bad-key': head([...without(REQUEST, 'Sec-WebSocket-Key'), 'Sec-WebSocket-Key: short==']),
  'request-version-8': head([...without(REQUEST, 'Sec-WebSocket-Version'), 'Sec-WebSocket-Version: 8']),
  'request-body': head([...REQUEST, 'Content-Length: 5']),
  'request-bare-lf': Buffer.concat([bytes(6), latin1('GET / HTTP/1.1\nHost: a\n\n')]),
  'request-obs-fold': head([...REQUEST, 'X-Folded: a', ' b']),
  'request-too-large': head([...REQUEST, `X-Big: ${'a'.repeat(2100)}`], { chunkSeed: 20 }),
  'response-valid': head(RESPONSE, { client: true }),
  'response-protocol': head([...RESPONSE, 'Sec-WebSocket-Protocol: chat'], { client: true, protocols: true }),
  'response-deflate': head([...RESPONSE, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10'], { client: true, deflate: true }),
  'response-200': head(['HTTP/1.1 200 OK', 'Content-Length: 0'], { client: true }),
  'response-wrong-accept': head([...without(RESPONSE, 'Sec-WebSocket-Accept'), 'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA='], { client: true }),
  'response-frames-after': head(RESPONSE, { client: true, after: '\x81\x02hi' }),
});

// ---- extensions-header -------------------------------------------------------------------

/** Config bytes (see targets/extensions-header.mjs), then the header. */
function offer(text, { b0 = 0, b1 = 0 } = {}) {
  return Buffer.concat([bytes(b0, b1), latin1(text)]);
}
writeSeeds('extensions-header', {
  'bare': offer('permessage-deflate'),
  'client-bits-bare': offer('permessage-deflate; client_max_window_bits', { b1: 2 | (2 << 2) }),
  'all-params': offer('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9', { b0: 4 | (4 << 3) }),
  'quoted-value': offer('permessage-deflate; client_max_window_bits="12"', { b1: 1 }),
  'two-offers': offer('permessage-deflate; server_max_window_bits=7, permessage-deflate', { b1: 0x20 }),
  'other-first': offer('x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover', { b0: 1 }),
  'two-lines': offer('foo\npermessage-deflate; server_max_window_bits=15'),
  'cap-needs-hint': offer('permessage-deflate', { b1: 3 | (0 << 2) | 0x20 }),
  'leading-zero': offer('permessage-deflate; server_max_window_bits=08'),
  'repeated-param': offer('permessage-deflate; server_no_context_takeover; server_no_context_takeover', { b1: 0x20 }),
  'unterminated-quote': offer('permessage-deflate; a="b'),
  'empty-elements': offer(' , ,permessage-deflate,'),
  'bad-char': offer('permessage-deflate; x=@'),
  'escape-in-quote': offer('permessage-deflate; client_max_window_bits="1\\0"'),
});

// ---- utf8 --------------------------------------------------------------------------------

const text = (seed, b) => Buffer.concat([bytes(seed), b]);
writeSeeds('utf8', {
  'ascii': text(7, utf8('hello, world')),
  'mixed': text(1, utf8('aé€😀z')),
  'mixed-bytewise': text(0, utf8('é€😀')),
  'overlong-2': text(2, bytes(0xc0, 0x80)),
  'overlong-3': text(2, bytes(0xe0, 0x80, 0x80)),
  'surrogate': text(1, bytes(0xed, 0xa0, 0x80)),
  'above-10ffff': text(1, bytes(0xf4, 0x90, 0x80, 0x80)),
  'truncated-4': text(3, bytes(0x61, 0xf0, 0x9f, 0x98)),
  'lone-continuation': text(4, bytes(0x61, 0x80, 0x62)),
  'f5-lead': text(1, bytes(0xf5, 0x80, 0x80, 0x80)),
  'max-code-point': text(0, bytes(0xf4, 0x8f, 0xbf, 0xbf)),
  'bom-and-nul': text(9, bytes(0xef, 0xbb, 0xbf, 0x00, 0x7f)),
});
console.log(`fuzz: seeds written to ${corpusDir}`);

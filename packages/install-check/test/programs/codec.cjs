// The codec alone (CommonJS).
const { Connection, acceptKey } = require('@uws/protocol');
const assert = require('node:assert/strict');

assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
const server = new Connection({ role: 'server' });
const frame = Buffer.concat(new Connection({ role: 'client' }).sendBinary(Uint8Array.of(1, 2, 3)));
const [event] = server.receive(frame);
assert.deepEqual([event.type, [...event.data]], ['message', [1, 2, 3]]);
console.log('codec cjs ok');

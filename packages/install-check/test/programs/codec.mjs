// The codec alone (ESM): a handshake and a masked client frame read by a server connection.
import { Connection, HttpHeadParser, acceptKey, buildAcceptResponse, buildUpgradeRequest, validateUpgradeRequest } from '@uws/protocol';
import assert from 'node:assert/strict';

assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='); // RFC 6455 §1.3
const { request } = buildUpgradeRequest({ host: 'example.com', path: '/chat' });
const done = new HttpHeadParser('request').push(Buffer.from(request)); // the request is a string to write
const req = validateUpgradeRequest(done.head, {});
assert.match(String(buildAcceptResponse(req)), /^HTTP\/1\.1 101 /);
const client = new Connection({ role: 'client' });
const server = new Connection({ role: 'server' });
const bytes = Buffer.concat(client.sendText('héllo codec'));
const events = server.receive(bytes);
assert.equal(events.length, 1);
assert.equal(events[0].type, 'message');
assert.equal(new TextDecoder().decode(events[0].data), 'héllo codec');
console.log('codec esm ok');

import net from 'node:net';
import { ClientHandshake } from '@uws/protocol';

/**
 * A minimal test client on the codec's client role: connects, handshakes, and collects every
 * text message. Resolves once the 101 is validated.
 */
export function connectChat(port, { perMessageDeflate = true } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const messages = [];
    const handshake = new ClientHandshake({
      host: `127.0.0.1:${port}`,
      path: '/chat',
      perMessageDeflate,
      connection: { handler: { onMessage: (data) => messages.push(Buffer.from(data).toString('utf8')) } },
    });
    const waiters = [];
    let conn;
    const client = {
      socket,
      messages,
      get conn() {
        return conn;
      },
      send(text) {
        for (const c of conn.sendText(text)) socket.write(c);
      },
      /** Resolves when `count` messages have arrived in total. */
      waitFor(count) {
        if (messages.length >= count) return Promise.resolve(messages.slice());
        return new Promise((res) => waiters.push({ count, res }));
      },
      close() {
        for (const c of conn.close(1000)) socket.write(c);
      },
    };
    const feed = (bytes) => {
      conn.receive(bytes);
      for (const c of conn.takeOutgoing()) socket.write(c);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (messages.length >= waiters[i].count) waiters.splice(i, 1)[0].res(messages.slice());
      }
    };
    socket.on('connect', () => {
      for (const c of handshake.dataToSend()) socket.write(c);
    });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      if (conn !== undefined) return feed(chunk);
      const accepted = handshake.receiveData(chunk); // throws HandshakeError on a refused 101
      if (accepted === undefined) return;
      conn = handshake.connection;
      client.extensions = accepted.extensions;
      resolve(client);
      if (handshake.rest.length > 0) feed(handshake.rest);
    });
  });
}

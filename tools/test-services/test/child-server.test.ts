import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startChildServer } from '@uws/test-services/child-server';

const ANNOUNCE = fileURLToPath(new URL('./fixtures/announce.mjs', import.meta.url));

describe('startChildServer', () => {
  it('resolves with the port the child announces, and its output so far', async () => {
    const { child, port, output } = await startChildServer(ANNOUNCE);
    try {
      const socket = net.connect(port, '127.0.0.1');
      const [data] = (await once(socket, 'data')) as [Buffer];
      expect(data.toString()).toBe('hello\n');
      socket.destroy();
      expect(output()).toBe(`booting\nport ${port}\n`);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(await exited).toEqual([null, 'SIGTERM']);
    }
  });

  it('rejects when the child exits before announcing a port', async () => {
    await expect(startChildServer(ANNOUNCE, ['exit'])).rejects.toThrow(/exited \(3\) before listening/);
  });
});

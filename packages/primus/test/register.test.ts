/** `registerUwsTransformer()`: Primus's `transformer: 'uws'` name resolves to UwsTransformer. */
import { once } from 'node:events';
import http from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { registerUwsTransformer, TRANSFORMER_NAME, UwsTransformer } from '../src/index.js';
import { next } from './support/primus-server.js';

const require = createRequire(import.meta.url);
 
const Primus: any = require('primus');

describe('registerUwsTransformer', () => {
  it("makes transformer: 'uws' (any case) build UwsTransformer, and the spec names it", async () => {
    registerUwsTransformer(Primus);
    registerUwsTransformer(); // idempotent, and the Primus argument is optional
    expect(TRANSFORMER_NAME).toBe('uws');
    expect(Primus.transformers.uws).toEqual({ server: '@uws/primus', client: 'ws' });

    const server = http.createServer();
    const primus = new Primus(server, { transformer: 'UWS' });
    try {
      expect(primus.transformer).toBeInstanceOf(UwsTransformer);
      expect(primus.spec.transformer).toBe('uws');
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
       
      primus.on('connection', (spark: any) => spark.on('data', (d: unknown) => spark.write(d)));
      const client = new primus.Socket(`http://127.0.0.1:${port}`, { strategy: false });
      await next(client, 'open');
      const echoed = next(client, 'data');
      client.write({ by: 'name' });
      expect(await echoed).toEqual({ by: 'name' });
      client.end();
    } finally {
      await new Promise<void>((resolve) => primus.destroy({ close: true }, () => resolve()));
    }
  });

  it('refuses a Primus that is not the copy it registers into', () => {
    const Other = function Primus() {} as unknown as Parameters<typeof registerUwsTransformer>[0];
    expect(() => registerUwsTransformer(Other)).toThrow(/not the copy @uws\/primus resolves/);
  });
});

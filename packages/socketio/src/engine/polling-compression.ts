/**
 * gzip/deflate of polling responses: the encoding the client accepts (by `Accept-Encoding`
 * q-values, gzip preferred on a tie, as engine.io's `accepts` use) and the compression itself.
 */
import { deflate, gzip, type ZlibOptions } from 'node:zlib';

export type PollingEncoding = 'gzip' | 'deflate';

/** The best of gzip/deflate that `acceptEncoding` allows, or undefined. */
export function negotiateEncoding(acceptEncoding: string | undefined): PollingEncoding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  let best: PollingEncoding | undefined;
  let bestQ = 0;
  let star = -1;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [token, ...params] = part.trim().split(';');
    let weight = 1;
    for (const param of params) {
      const [k, v] = param.trim().split('=');
      if (k === 'q') weight = Number(v);
    }
    if (!Number.isFinite(weight)) continue;
    const name = token.trim().toLowerCase();
    if (name === '*') star = weight;
    else q.set(name, weight);
  }
  for (const candidate of ['gzip', 'deflate'] as const) {
    const weight = q.get(candidate) ?? (star >= 0 ? star : 0);
    if (weight > bestQ) {
      best = candidate;
      bestQ = weight;
    }
  }
  return best;
}

export function compressBody(body: string | Buffer, encoding: PollingEncoding, options: ZlibOptions, cb: (error: Error | null, out: Buffer) => void): void {
  (encoding === 'gzip' ? gzip : deflate)(body, options, cb);
}

import { describe, expect, it } from 'vitest';
import { Router } from '../../src/app/router.js';

function first(router: Router<string>, method: string, path: string): { handler: string; params: readonly string[] } | undefined {
  const match = router.match(method, path).next();
  return match.done ? undefined : match.value;
}

describe('Router', () => {
  it('matches static, parameter and wildcard patterns, most specific first', () => {
    const r = new Router<string>();
    r.add('*', '/*', 'wild');
    r.add('get', '/users/:id', 'user');
    r.add('get', '/users/me', 'me');
    r.add('get', '/', 'root');
    r.add('get', '/files/*', 'files');
    expect(first(r, 'GET', '/users/me')?.handler).toBe('me');
    expect(first(r, 'GET', '/users/42')).toEqual(expect.objectContaining({ handler: 'user', params: ['42'] }));
    expect(first(r, 'GET', '/')?.handler).toBe('root');
    expect(first(r, 'GET', '/files/a/b.txt')?.handler).toBe('files');
    expect(first(r, 'POST', '/users/42')?.handler).toBe('wild');
    expect(first(r, 'GET', '/other/deep/path')?.handler).toBe('wild');
  });

  it('prefers an exact pattern over one ending in a wildcard, and a method over any', () => {
    const r = new Router<string>();
    r.add('*', '/a', 'any-a');
    r.add('get', '/a/*', 'a-wild');
    r.add('get', '/a', 'get-a');
    expect([...r.match('get', '/a')].map((m) => m.handler)).toEqual(['get-a', 'any-a', 'a-wild']);
  });

  it('yields nothing when no route matches; rejects bad patterns', () => {
    const r = new Router<string>();
    r.add('get', '/x', 'x');
    expect(first(r, 'GET', '/y')).toBeUndefined();
    expect(first(r, 'GET', '/x/y')).toBeUndefined();
    expect(() => r.add('get', 'x', 'bad')).toThrow(TypeError);
    expect(() => r.add('get', '/*/x', 'bad')).toThrow(TypeError);
  });

  it('matches every path like splitting it into segments would, and first() agrees with match()', () => {
    const patterns = ['/', '/a', '/a/', '/a/b', '/:x', '/a/:x', '/:x/:y', '/a/:x/c', '/a/*', '/*', '/:x/*', '//a', '/a//b'];
    const r = new Router<string>();
    for (const p of patterns) r.add('get', p, p);
    // The reference: the path split at '/', each pattern segment compared with its part.
    const reference = (pattern: string, path: string): string[] | undefined => {
      const segs = pattern.slice(1).split('/');
      const parts = path.slice(1).split('/');
      const params: string[] = [];
      for (let i = 0; i < segs.length; i++) {
        if (segs[i] === '*') return params;
        if (i >= parts.length) return undefined;
        if (segs[i].startsWith(':')) params.push(parts[i]);
        else if (segs[i] !== parts[i]) return undefined;
      }
      return segs.length === parts.length ? params : undefined;
    };
    const paths = ['/', '//', '/a', '/a/', '/a/b', '/a/b/', '/a/b/c', '/b', '/b/c', '//a', '/a//b', '/ab', '/a/bc', '/x/y/z/w'];
    for (const path of paths) {
      const all = [...r.match('get', path)];
      expect(all.map((m) => m.handler).sort(), path).toEqual(patterns.filter((p) => reference(p, path) !== undefined).sort());
      for (const m of all) expect(m.params, `${m.pattern} on ${path}`).toEqual(reference(m.pattern, path));
      const best = r.first('get', path);
      expect(best?.handler, path).toBe(all[0]?.handler);
      expect(best?.params, path).toEqual(all[0]?.params);
    }
    expect(r.first('post', '/a')).toBeUndefined();
  });
});

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
});

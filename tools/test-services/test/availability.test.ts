import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { findOnPath, inCI, missingServiceError, skipReason } from '@uws/test-services/availability';

describe('the availability rule', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('skips with a loud reason when the service is missing outside CI', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reason = skipReason({ suite: 'the X tests', missing: 'x-server is not on PATH', install: 'apt-get install x-server', env: {} });
    expect(reason).toBe('SKIPPING the X tests: x-server is not on PATH (install it: apt-get install x-server)');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain(reason);
  });

  it('never skips under CI=true: the tests run and fail at the start', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(skipReason({ suite: 'the X tests', missing: 'x-server is not on PATH', install: 'apt-get install x-server', env: { CI: 'true' } })).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
    expect(inCI({ CI: 'true' })).toBe(true);
    expect(inCI({ CI: '1' })).toBe(false);
    expect(missingServiceError('x-server is not on PATH', 'apt-get install x-server', { CI: 'true' }).message).toBe(
      'x-server is not on PATH, and CI=true: a missing service fails the tests, it never skips them (install it: apt-get install x-server)',
    );
    expect(missingServiceError('x-server is not on PATH', 'apt-get install x-server', {}).message).toBe('x-server is not on PATH (install it: apt-get install x-server)');
  });

  it('runs, silently, when the service is there', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(skipReason({ suite: 'the X tests', missing: undefined, install: 'apt-get install x-server', env: {} })).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  describe('findOnPath', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'uws-test-services-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('finds an executable in a PATH directory, not a plain file', () => {
      writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(path.join(dir, 'tool'), 0o755);
      writeFileSync(path.join(dir, 'data'), 'not a program');
      chmodSync(path.join(dir, 'data'), 0o644);
      const searchPath = ['', '/nonexistent', dir].join(path.delimiter);
      expect(findOnPath('tool', searchPath)).toBe(path.join(dir, 'tool'));
      expect(findOnPath('data', searchPath)).toBeUndefined();
      expect(findOnPath('tool', '')).toBeUndefined();
    });
  });
});

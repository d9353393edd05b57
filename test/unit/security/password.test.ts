import { webcrypto } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { hashConcurrency, hashLoad, hashPassword, passwordProblem, verifyPassword } from '../../../gateway/security/password.js';

describe('hashPassword and verifyPassword', () => {
  it('stores argon2id at OWASP minimum or above, and verifies only the right password', async () => {
    const stored = await hashPassword('correct horse battery');
    const params = /^\$argon2id\$v=19\$([^$]+)\$/.exec(stored)?.[1]?.split(',').sort();
    expect(params).toEqual(['m=19456', 'p=1', 't=2']);
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse batterY')).toBe(false);
  });

  it('refuses, after the same work, when there is no stored hash or it is not a hash', async () => {
    expect(await verifyPassword(null, 'anything at all')).toBe(false);
    expect(await verifyPassword('not-a-phc-string', 'anything at all')).toBe(false);
  });
});

describe('passwordProblem', () => {
  it('names the bound a password breaks', () => {
    expect(passwordProblem('short')).toBe('must be at least 8 characters');
    expect(passwordProblem('x'.repeat(257))).toBe('must be at most 256 characters');
    expect(passwordProblem('long enough')).toBeNull();
  });
});

describe('hashConcurrency', () => {
  it('leaves two of libuv thread-pool threads free, and runs at least one hash', () => {
    expect(hashConcurrency(undefined)).toBe(2); // libuv's default pool of 4
    expect(hashConcurrency('4')).toBe(2);
    expect(hashConcurrency('16')).toBe(14);
    expect(hashConcurrency('2')).toBe(1);
    expect(hashConcurrency('1')).toBe(1);
  });

  it('reads a size libuv would not take as the default', () => {
    expect(hashConcurrency('')).toBe(2);
    expect(hashConcurrency('many')).toBe(2);
    expect(hashConcurrency('0')).toBe(2);
  });
});

describe('a backlog of hashes', () => {
  it('waits in its own queue, so other thread-pool work (WebCrypto signing session tokens) is not stuck behind it', async () => {
    const stored = await hashPassword('a password for the backlog');
    const finished: string[] = [];
    const backlog = Array.from({ length: 8 }, () => verifyPassword(stored, 'a wrong password').then(() => { finished.push('hash'); }));
    await nextTurn();
    const limit = hashConcurrency(process.env.UV_THREADPOOL_SIZE);
    expect(hashLoad()).toEqual({ running: limit, waiting: 8 - limit });

    // Without the queue the eight hashes would fill libuv's four threads and its queue, and this
    // digest would start only after five of them had finished.
    const digest = webcrypto.subtle.digest('SHA-256', new TextEncoder().encode('session token')).then(() => { finished.push('webcrypto'); });
    await Promise.all([...backlog, digest]);
    expect(finished[0]).toBe('webcrypto');
    expect(finished.filter((item) => item === 'hash')).toHaveLength(8);
    expect(hashLoad()).toMatchObject({ running: 0, waiting: 0 });
  });
});

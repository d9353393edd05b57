import { webcrypto } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import argon2 from 'argon2';
import { hashConcurrency, hashLoad, hashPassword, PasswordHashBusyError, passwordNeedsRehash, passwordProblem, setHashQueueLimit, verifyPassword } from '../../../gateway/security/password.js';

// Test files share modules (vitest isolate: false) and a test gateway sets the limit from its config.
beforeEach(() => setHashQueueLimit(Number.POSITIVE_INFINITY));
afterAll(() => setHashQueueLimit(Number.POSITIVE_INFINITY));

describe('hashPassword and verifyPassword', () => {
  it('stores argon2id at one of OWASP\'s minimum settings (7 MiB, five passes), and verifies only the right password', async () => {
    const stored = await hashPassword('correct horse battery');
    const params = /^\$argon2id\$v=19\$([^$]+)\$/.exec(stored)?.[1]?.split(',').sort();
    expect(params).toEqual(['m=7168', 'p=1', 't=5']);
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse batterY')).toBe(false);
  });

  it('asks for a new hash when the stored one was made with other settings, and verifies it meanwhile', async () => {
    const earlier = await argon2.hash('correct horse battery', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(passwordNeedsRehash(earlier)).toBe(true);
    expect(await verifyPassword(earlier, 'correct horse battery')).toBe(true);
    expect(passwordNeedsRehash(await hashPassword('correct horse battery'))).toBe(false);
    expect(passwordNeedsRehash('not-a-phc-string')).toBe(false);
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
    expect(hashLoad()).toMatchObject({ running: limit, waiting: 8 - limit });

    // Without the queue the eight hashes would fill libuv's four threads and its queue, and this
    // digest would start only after five of them had finished.
    const digest = webcrypto.subtle.digest('SHA-256', new TextEncoder().encode('session token')).then(() => { finished.push('webcrypto'); });
    await Promise.all([...backlog, digest]);
    expect(finished[0]).toBe('webcrypto');
    expect(finished.filter((item) => item === 'hash')).toHaveLength(8);
    expect(hashLoad()).toMatchObject({ running: 0, waiting: 0 });
  });
});

describe('a full hash queue', () => {
  const slots = hashConcurrency(process.env.UV_THREADPOOL_SIZE);

  it('refuses the next check at once, for a known account and an unknown one alike, and counts it', async () => {
    setHashQueueLimit(1);
    const stored = await hashPassword('a password for the queue');
    const { refused } = hashLoad();
    // Every slot busy and one waiting: the queue is full.
    const backlog = Array.from({ length: slots + 1 }, () => verifyPassword(stored, 'a wrong password'));
    expect(hashLoad()).toMatchObject({ running: slots, waiting: 1 });
    await expect(verifyPassword(stored, 'a password for the queue')).rejects.toBeInstanceOf(PasswordHashBusyError);
    await expect(verifyPassword(null, 'no such account')).rejects.toBeInstanceOf(PasswordHashBusyError);
    await expect(hashPassword('a new password')).rejects.toThrow(/1 password hashes are already waiting/);
    expect(hashLoad().refused).toBe(refused + 3);
    // The refused checks took no place in the queue; the backlog finishes as it would have.
    expect(await Promise.all(backlog)).toEqual(Array.from({ length: slots + 1 }, () => false));
    expect(await verifyPassword(stored, 'a password for the queue')).toBe(true);
  });

  it('with a limit of 0, runs a burst that fits the slots, even started in one tick', async () => {
    const stored = await hashPassword('a password for the burst');
    setHashQueueLimit(0);
    const burst = Array.from({ length: slots }, () => verifyPassword(stored, 'a password for the burst'));
    await expect(verifyPassword(stored, 'a password for the burst')).rejects.toBeInstanceOf(PasswordHashBusyError);
    expect(await Promise.all(burst)).toEqual(Array.from({ length: slots }, () => true));
  });

  it('takes only a whole number of at least 0 as the limit', () => {
    expect(() => setHashQueueLimit(-1)).toThrow(RangeError);
    expect(() => setHashQueueLimit(1.5)).toThrow(RangeError);
    expect(() => setHashQueueLimit(Number.NaN)).toThrow(RangeError);
    expect(() => setHashQueueLimit(0)).not.toThrow();
  });
});

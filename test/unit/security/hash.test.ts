import { describe, expect, it } from 'vitest';
import { KEY_PURPOSES, deriveKey, hmacSha256, sha256Hex, type KeyPurpose } from '../../../gateway/security/hash.js';

const SERVER_SECRET = 'x'.repeat(32);

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 "abc" vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('hmacSha256', () => {
  it('matches RFC 4231 test case 2, as hex', () => {
    expect(hmacSha256(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('deriveKey', () => {
  it('is a 256-bit key and the same for the same secret and purpose (keys survive restarts)', () => {
    const key = deriveKey(SERVER_SECRET, 'csrf');
    expect(key).toHaveLength(32);
    expect(deriveKey(SERVER_SECRET, 'csrf').equals(key)).toBe(true);
  });

  it('gives a different key for every purpose', () => {
    const keys = KEY_PURPOSES.map((p) => deriveKey(SERVER_SECRET, p).toString('hex'));
    expect(new Set(keys).size).toBe(KEY_PURPOSES.length);
  });

  it('gives a different key for a different server secret', () => {
    expect(deriveKey('y'.repeat(32), 'backup-code').equals(deriveKey(SERVER_SECRET, 'backup-code'))).toBe(false);
  });

  it('refuses a short server secret and an unknown purpose', () => {
    expect(() => deriveKey('short', 'csrf')).toThrow(RangeError);
    expect(() => deriveKey(SERVER_SECRET, 'nope' as KeyPurpose)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../../../gateway/security/secret-box.js';
import { deriveKey } from '../../../gateway/security/hash.js';

const KEY = deriveKey('s'.repeat(32), 'totp-secret');
const OTHER_KEY = deriveKey('t'.repeat(32), 'totp-secret');
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** Flip one bit in the decoded bytes of part `index` of a sealed value. */
function flipBit(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0]! ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('secret-box', () => {
  it('round-trips, in the v1.<iv>.<tag>.<ct> format', () => {
    const sealed = sealSecret(KEY, SECRET);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(openSecret(KEY, sealed)).toBe(SECRET);
    expect(openSecret(KEY, sealSecret(KEY, ''))).toBe('');
  });

  it('uses a fresh IV each time', () => {
    expect(sealSecret(KEY, SECRET)).not.toBe(sealSecret(KEY, SECRET));
  });

  it('returns undefined when the IV, tag or ciphertext is tampered with', () => {
    const sealed = sealSecret(KEY, SECRET);
    for (const part of [1, 2, 3]) expect(openSecret(KEY, flipBit(sealed, part))).toBeUndefined();
  });

  it('returns undefined under another key or another context', () => {
    const sealed = sealSecret(KEY, SECRET, 'factor:42');
    expect(openSecret(KEY, sealed, 'factor:42')).toBe(SECRET);
    expect(openSecret(OTHER_KEY, sealed, 'factor:42')).toBeUndefined();
    expect(openSecret(KEY, sealed, 'factor:43')).toBeUndefined();
    expect(openSecret(KEY, sealed)).toBeUndefined();
  });

  it('returns undefined for malformed input instead of throwing', () => {
    const [, iv, tag, ct] = sealSecret(KEY, SECRET).split('.');
    for (const bad of [
      '',
      'v1',
      `v2.${iv}.${tag}.${ct}`,
      `v1.${iv}.${tag}`,
      `v1.${iv}.${tag}.${ct}.x`,
      `v1.${iv}.${tag!.slice(0, 10)}.${ct}`,
      `v1.${iv}.${tag}.${ct}!`,
      `v1.${iv}.${tag}.${ct!.slice(0, -1)}`,
    ]) {
      expect(openSecret(KEY, bad)).toBeUndefined();
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => sealSecret(Buffer.alloc(16), SECRET)).toThrow(RangeError);
    expect(() => openSecret(Buffer.alloc(16), 'v1...')).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { randomCode, randomToken } from '../../../gateway/security/random.js';
import { CODE_ALPHABET } from '../../../gateway/security/codes.js';

describe('randomToken', () => {
  it('is base64url of 32 bytes by default and never repeats', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(randomToken()).not.toBe(a);
  });

  it('takes a byte count and refuses fewer than 16 bytes (WebAuthn challenge minimum)', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(() => randomToken(15)).toThrow(RangeError);
    expect(() => randomToken(20.5)).toThrow(RangeError);
  });
});

describe('randomCode', () => {
  it('draws only from the alphabet and uses every symbol (10,000 codes)', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const code = randomCode(CODE_ALPHABET, 8);
      expect(code).toHaveLength(8);
      for (const c of code) seen.set(c, (seen.get(c) ?? 0) + 1);
    }
    expect([...seen.keys()].sort().join('')).toBe([...CODE_ALPHABET].sort().join(''));
    // 80,000 draws over 32 symbols: 2,500 expected each, σ ≈ 49; ±400 is over 8σ.
    for (const count of seen.values()) expect(Math.abs(count - 2_500)).toBeLessThan(400);
  });

  it('has no modulo bias for an alphabet size that does not divide 256', () => {
    // With `byte % 10`, digits 0–5 would come up 26/256 and 6–9 25/256 of the time (≈ 4 % more).
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 2_000; i++) {
      for (const c of randomCode('0123456789', 100)) counts[Number(c)]! += 1;
    }
    // 200,000 draws: 20,000 expected each, σ ≈ 134; a 4 % bias would be ±800.
    const low = counts.slice(0, 6).reduce((a, b) => a + b, 0) / 6;
    const high = counts.slice(6).reduce((a, b) => a + b, 0) / 4;
    expect(Math.abs(low - high)).toBeLessThan(400);
  });

  it('refuses alphabets that would bias or break it', () => {
    expect(() => randomCode('A', 4)).toThrow(RangeError);
    expect(() => randomCode('AAB', 4)).toThrow(RangeError);
    expect(() => randomCode('AB', 0)).toThrow(RangeError);
    expect(() => randomCode('AB', 1.5)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../../gateway/security/compare.js';

describe('constantTimeEqual', () => {
  it('is true only for identical input', () => {
    expect(constantTimeEqual('XK9P2QM7', 'XK9P2QM7')).toBe(true);
    expect(constantTimeEqual('XK9P2QM7', 'XK9P2QM8')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('returns false for different lengths without throwing', () => {
    expect(() => constantTimeEqual('123456', '1234567')).not.toThrow();
    expect(constantTimeEqual('123456', '1234567')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
  });

  it('compares strings and bytes by their UTF-8 bytes', () => {
    expect(constantTimeEqual('é', Buffer.from('é', 'utf8'))).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });
});

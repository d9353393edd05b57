import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  formatGroupedCode,
  generateBackupCode,
  generateEmailOtp,
  generateRecoveryCode,
  generateReferenceId,
  normaliseCodeInput,
} from '../../../gateway/security/codes.js';

const IN_ALPHABET = /^[0-9A-HJKMNP-TV-Z]+$/;

describe('CODE_ALPHABET', () => {
  it('is Crockford base32: 32 distinct upper-case symbols without I, L, O, U', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    expect(CODE_ALPHABET).toMatch(/^[0-9A-Z]+$/);
    for (const c of 'ILOU') expect(CODE_ALPHABET).not.toContain(c);
  });
});

describe('generateBackupCode', () => {
  it('gives 8 symbols (40 bits) by default, shown as XXXX-XXXX', () => {
    const code = generateBackupCode();
    expect(code).toMatch(/^[0-9A-Z]{8}$/);
    expect(code).toMatch(IN_ALPHABET);
    expect(formatGroupedCode(code)).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  });

  it('may be lengthened, but refuses anything under 40 bits', () => {
    expect(generateBackupCode(10)).toHaveLength(10);
    expect(generateBackupCode(16)).toHaveLength(16);
    expect(() => generateBackupCode(7)).toThrow(RangeError); // 35 bits
    expect(() => generateBackupCode(0)).toThrow(RangeError);
    expect(() => generateBackupCode(8.5)).toThrow(RangeError);
  });

  it('does not repeat in 10,000 draws', () => {
    const codes = new Set(Array.from({ length: 10_000 }, () => generateBackupCode()));
    expect(codes.size).toBe(10_000);
  });
});

describe('generateRecoveryCode', () => {
  it('gives 12 symbols (60 bits), shown as XXXX-XXXX-XXXX', () => {
    const code = generateRecoveryCode();
    expect(code).toMatch(/^[0-9A-Z]{12}$/);
    expect(code).toMatch(IN_ALPHABET);
    expect(formatGroupedCode(code)).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  });
});

describe('generateEmailOtp', () => {
  it('gives six uniform digits by default, keeping leading zeros', () => {
    const counts = new Array<number>(10).fill(0);
    let leadingZero = false;
    for (let i = 0; i < 10_000; i++) {
      const otp = generateEmailOtp();
      expect(otp).toMatch(/^[0-9]{6}$/);
      if (otp.startsWith('0')) leadingZero = true;
      for (const c of otp) counts[Number(c)]! += 1;
    }
    expect(leadingZero).toBe(true);
    // 60,000 digits: 6,000 expected each, σ ≈ 73; ±500 is about 7σ.
    for (const n of counts) expect(Math.abs(n - 6_000)).toBeLessThan(500);
  });

  it('allows more digits, never fewer than six', () => {
    expect(generateEmailOtp(8)).toMatch(/^[0-9]{8}$/);
    expect(() => generateEmailOtp(5)).toThrow(RangeError);
  });
});

describe('generateReferenceId', () => {
  it('looks like AR-XXXX-XXXX', () => {
    const id = generateReferenceId();
    expect(id).toMatch(/^AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });
});

describe('formatGroupedCode', () => {
  it('groups by four from the left', () => {
    expect(formatGroupedCode('XK9P2QM7')).toBe('XK9P-2QM7');
    expect(formatGroupedCode('XK9P2QM7AB')).toBe('XK9P-2QM7-AB');
    expect(formatGroupedCode('XK9P2QM7ABCD')).toBe('XK9P-2QM7-ABCD');
    expect(formatGroupedCode('')).toBe('');
  });
});

describe('normaliseCodeInput', () => {
  it('undoes the display format and tolerates how people type', () => {
    expect(normaliseCodeInput('XK9P-2QM7')).toBe('XK9P2QM7');
    expect(normaliseCodeInput(' xk9p 2qm7 ')).toBe('XK9P2QM7');
    expect(normaliseCodeInput('XK9P\u20132QM7')).toBe('XK9P2QM7'); // en dash from a word processor
  });

  it('maps the Crockford look-alikes O → 0 and I, L → 1', () => {
    expect(normaliseCodeInput('oOiIlL-2QM7')).toBe('001111' + '2QM7');
  });

  it('round-trips every generated code', () => {
    for (let i = 0; i < 1_000; i++) {
      const code = generateBackupCode();
      expect(normaliseCodeInput(formatGroupedCode(code))).toBe(code);
      expect(normaliseCodeInput(formatGroupedCode(code).toLowerCase())).toBe(code);
    }
  });

  it('refuses characters outside the alphabet', () => {
    for (const bad of ['', '---', 'XK9P-2QMU', 'XK9P_2QM7', 'XK9P.2QM7', 'ÄK9P2QM7', 'X'.repeat(65)]) {
      expect(normaliseCodeInput(bad)).toBeUndefined();
    }
  });

  it('refuses non-ASCII letters that upper-case into the alphabet', () => {
    expect('ı'.toUpperCase()).toBe('I'); // dotless i
    expect('ſ'.toUpperCase()).toBe('S'); // long s
    expect(normaliseCodeInput('XK9P2QMı')).toBeUndefined();
    expect(normaliseCodeInput('ſK9P2QM7')).toBeUndefined();
  });
});

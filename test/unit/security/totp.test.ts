import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FixedClock, systemClock } from '../../../gateway/core/clock.js';
import {
  generateTotpCode,
  generateTotpSecret,
  totpStep,
  totpUri,
  verifyTotp,
} from '../../../gateway/security/totp.js';

// RFC 6238 Appendix B: the ASCII secret "12345678901234567890", base32-encoded (20 bytes).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const STEP = 30_000;
const START = '2026-01-15T12:00:00Z'; // an exact multiple of 30 s

// CI installs oathtool (apt-get install oathtool); without it the interop tests are skipped.
const hasOathtool = spawnSync('oathtool', ['--version']).status === 0;
const INTEROP = hasOathtool
  ? 'interop with oathtool'
  : 'interop with oathtool — SKIPPED: oathtool not installed (apt-get install oathtool)';

function oathtool(secret: string, atMs?: number): string {
  const args = ['--totp', '-b'];
  if (atMs !== undefined) {
    const iso = new Date(atMs).toISOString();
    args.push('-N', `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`);
  }
  return execFileSync('oathtool', [...args, secret], { encoding: 'utf8' }).trim();
}

describe('generateTotpCode', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ])('matches RFC 6238 Appendix B (SHA-1, last 6 of 8 digits) at T=%i', (seconds, code) => {
    expect(generateTotpCode(RFC_SECRET, seconds * 1000)).toBe(code);
  });
});

describe('generateTotpSecret', () => {
  it('is 32 base32 symbols (160 bits) and never repeats', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(generateTotpSecret()).not.toBe(secret);
    expect(generateTotpCode(secret, 0)).toMatch(/^[0-9]{6}$/);
  });
});

describe('totpUri', () => {
  it('puts the issuer in the label and in the issuer parameter, percent-encoded', () => {
    const uri = totpUri({ secret: RFC_SECRET, issuer: 'ACME Co & Sons', account: 'jo+2fa@example.com' });
    expect(uri.startsWith('otpauth://totp/ACME%20Co%20%26%20Sons:jo%2B2fa%40example.com?')).toBe(true);
    const url = new URL(uri);
    expect(url.searchParams.get('secret')).toBe(RFC_SECRET);
    expect(url.searchParams.get('issuer')).toBe('ACME Co & Sons');
    expect(decodeURIComponent(url.pathname)).toBe('/ACME Co & Sons:jo+2fa@example.com');
  });

  it('refuses a colon in the issuer or account (it separates them in the label)', () => {
    expect(() => totpUri({ secret: RFC_SECRET, issuer: 'A:B', account: 'jo' })).toThrow(RangeError);
    expect(() => totpUri({ secret: RFC_SECRET, issuer: 'AB', account: 'j:o' })).toThrow(RangeError);
  });
});

describe('verifyTotp window (SECURITY T1)', () => {
  // server = offset of server time from the step boundary; device = offset of the authenticator's clock from server time
  it.each([
    { server: 0, device: 0, step: 0 },
    { server: 0, device: -1, step: -1 },
    { server: 0, device: -30_000, step: -1 },
    { server: 0, device: -31_000, step: undefined }, // two steps back
    { server: 0, device: 29_000, step: 0 },
    { server: 0, device: 30_000, step: 1 },
    { server: 0, device: 59_999, step: 1 },
    { server: 0, device: 60_000, step: undefined }, // two steps ahead
    { server: 1_000, device: 29_000, step: 1 }, // +29 s lands in the next step
    { server: 1_000, device: -31_000, step: -1 },
    { server: 1_000, device: -31_001, step: undefined },
    { server: 29_999, device: 1, step: 1 },
    { server: 29_999, device: -30_000, step: -1 },
    { server: 29_999, device: -60_000, step: undefined },
  ])('server +$server ms, device $device ms → step $step', ({ server, device, step }) => {
    const clock = new FixedClock(START);
    const boundary = totpStep(clock.nowMs());
    clock.advance(server);
    const code = generateTotpCode(RFC_SECRET, clock.nowMs() + device);
    const result = verifyTotp({ secret: RFC_SECRET, code, nowMs: clock.nowMs(), lastUsedStep: null });
    if (step === undefined) expect(result).toEqual({ ok: false, reason: 'invalid' });
    else expect(result).toEqual({ ok: true, step: boundary + step });
  });

  it('steps change exactly at multiples of 30 s', () => {
    const clock = new FixedClock(START);
    const at = clock.nowMs();
    expect(at % STEP).toBe(0);
    expect(totpStep(at - 1)).toBe(totpStep(at) - 1);
    expect(totpStep(at + STEP - 1)).toBe(totpStep(at));
    expect(totpStep(at + STEP)).toBe(totpStep(at) + 1);
  });

  it('never looks before step 0', () => {
    const code = generateTotpCode(RFC_SECRET, 0);
    expect(verifyTotp({ secret: RFC_SECRET, code, nowMs: 10_000 })).toEqual({ ok: true, step: 0 });
    expect(() => verifyTotp({ secret: RFC_SECRET, code, nowMs: -1 })).toThrow(RangeError);
  });

  it('refuses a wrong code', () => {
    const nowMs = new FixedClock(START).nowMs();
    const right = generateTotpCode(RFC_SECRET, nowMs);
    const wrong = right.slice(0, 5) + String((Number(right[5]) + 1) % 10);
    expect(verifyTotp({ secret: RFC_SECRET, code: wrong, nowMs })).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('verifyTotp replay (SECURITY T2)', () => {
  it('accepts a code once, then refuses it for as long as it is in the window', () => {
    const clock = new FixedClock(START);
    const code = generateTotpCode(RFC_SECRET, clock.nowMs());
    const first = verifyTotp({ secret: RFC_SECRET, code, nowMs: clock.nowMs() });
    expect(first.ok).toBe(true);
    const lastUsedStep = first.ok ? first.step : -1;
    expect(verifyTotp({ secret: RFC_SECRET, code, nowMs: clock.nowMs(), lastUsedStep })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    clock.advance(STEP); // still inside the ±1 window, still refused
    expect(verifyTotp({ secret: RFC_SECRET, code, nowMs: clock.nowMs(), lastUsedStep })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    // ...and the next code is fine.
    const next = generateTotpCode(RFC_SECRET, clock.nowMs());
    expect(verifyTotp({ secret: RFC_SECRET, code: next, nowMs: clock.nowMs(), lastUsedStep })).toEqual({
      ok: true,
      step: lastUsedStep + 1,
    });
  });

  it('refuses an older step once a newer one was used (device ahead, then an old code)', () => {
    const nowMs = new FixedClock(START).nowMs();
    const step = totpStep(nowMs);
    const ahead = generateTotpCode(RFC_SECRET, nowMs + STEP);
    expect(verifyTotp({ secret: RFC_SECRET, code: ahead, nowMs })).toEqual({ ok: true, step: step + 1 });
    for (const offset of [0, -STEP]) {
      const older = generateTotpCode(RFC_SECRET, nowMs + offset);
      expect(verifyTotp({ secret: RFC_SECRET, code: older, nowMs, lastUsedStep: step + 1 })).toEqual({
        ok: false,
        reason: 'replayed',
      });
    }
  });

  it('tells a replay from a wrong code only to the caller', () => {
    const nowMs = new FixedClock(START).nowMs();
    const step = totpStep(nowMs);
    const stale = generateTotpCode(RFC_SECRET, nowMs - STEP);
    expect(verifyTotp({ secret: RFC_SECRET, code: stale, nowMs, lastUsedStep: step - 1 })).toMatchObject({
      reason: 'replayed',
    });
    expect(verifyTotp({ secret: RFC_SECRET, code: stale, nowMs, lastUsedStep: step - 2 })).toEqual({
      ok: true,
      step: step - 1,
    });
  });
});

describe('verifyTotp input format', () => {
  const nowMs = new FixedClock(START).nowMs();
  const code = generateTotpCode(RFC_SECRET, nowMs);

  it('accepts the code with surrounding or grouping spaces', () => {
    for (const typed of [` ${code} `, `${code.slice(0, 3)} ${code.slice(3)}`, `${code}\n`]) {
      expect(verifyTotp({ secret: RFC_SECRET, code: typed, nowMs }).ok).toBe(true);
    }
  });

  it.each(['', '12345', '1234567', 'abcdef', '12345a', '+12345', '-12345', '1e5000', '١٢٣٤٥٦', '123-456'])(
    'calls %j malformed',
    (typed) => {
      expect(verifyTotp({ secret: RFC_SECRET, code: typed, nowMs })).toEqual({ ok: false, reason: 'malformed' });
    },
  );
});

describe(INTEROP, () => {
  it.skipIf(!hasOathtool).each(['2026-01-15T12:00:00Z', '2026-01-15T12:00:29Z', '2030-06-30T23:59:59Z'])(
    'generates the same code as `oathtool --totp -N` at %s',
    (at) => {
      const nowMs = new Date(at).getTime();
      const secret = generateTotpSecret();
      expect(generateTotpCode(secret, nowMs)).toBe(oathtool(secret, nowMs));
      expect(generateTotpCode(RFC_SECRET, nowMs)).toBe(oathtool(RFC_SECRET, nowMs));
    },
  );

  it.skipIf(!hasOathtool)('accepts oathtool codes one step either side, not two', () => {
    const clock = new FixedClock(START);
    const secret = generateTotpSecret();
    const now = clock.nowMs();
    const step = totpStep(now);
    for (const drift of [-1, 0, 1]) {
      const code = oathtool(secret, now + drift * STEP);
      expect(verifyTotp({ secret, code, nowMs: now })).toEqual({ ok: true, step: step + drift });
    }
    for (const drift of [-2, 2]) {
      const code = oathtool(secret, now + drift * STEP);
      expect(verifyTotp({ secret, code, nowMs: now }).ok).toBe(false);
    }
  });

  it.skipIf(!hasOathtool)('accepts the code oathtool shows right now (server time from the system clock)', () => {
    const secret = generateTotpSecret();
    const code = oathtool(secret);
    expect(verifyTotp({ secret, code, nowMs: systemClock.nowMs() }).ok).toBe(true);
  });
});

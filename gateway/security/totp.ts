/**
 * TOTP (RFC 6238) as authenticator apps do it: HMAC-SHA-1, 6 digits, 30-second steps.
 * The HOTP value per step comes from otplib's `generateSync({ strategy: 'hotp', counter })`;
 * the step arithmetic, the window, the replay check and the comparison are done here, so each
 * is visible and tested.
 */
import { generateSync, generateURI } from 'otplib';
import { constantTimeEqual } from './compare.js';
import { randomCode } from './random.js';

const STEP_MS = 30_000; // RFC 6238 §5.2: 30-second time step
const DIGITS = 6; // RFC 4226 §5.3: at least 6 digits
const DRIFT_STEPS = 1; // RFC 6238 §5.2, SECURITY T1: at most one step either way
const SECRET_SYMBOLS = 32; // 32 base32 symbols × 5 bits = 160 bits, RFC 4226 §4 R6, SECURITY T3
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'; // RFC 4648 §6
const CODE_FORMAT = /^[0-9]{6}$/;

export type TotpCheck =
  | { ok: true; step: number }
  | { ok: false; reason: 'invalid' | 'replayed' | 'malformed' };

export interface TotpCheckInput {
  /** Base32 secret, as produced by `generateTotpSecret`. */
  secret: string;
  /** What the user typed. */
  code: string;
  /** Server time (from the injected Clock), never the client's. */
  nowMs: number;
  /** The step of the last code this factor accepted; null/undefined before the first use. */
  lastUsedStep?: number | null;
}

/**
 * 160 random bits, base32 without padding. Drawing 32 symbols uniformly from the base32 alphabet
 * is the same as encoding 20 random bytes (160 is a multiple of 40, so there is no padding).
 */
export function generateTotpSecret(): string {
  return randomCode(BASE32_ALPHABET, SECRET_SYMBOLS);
}

/** `otpauth://totp/Issuer:account?secret=…&issuer=Issuer` (Google Authenticator key URI format). */
export function totpUri(input: { secret: string; issuer: string; account: string }): string {
  // The key URI format forbids a colon in either part: it separates them in the label.
  if (input.issuer.includes(':') || input.account.includes(':')) {
    throw new RangeError('TOTP issuer and account must not contain ":"');
  }
  return generateURI({
    strategy: 'totp',
    issuer: input.issuer,
    label: input.account,
    secret: input.secret,
    algorithm: 'sha1',
    digits: DIGITS,
    period: STEP_MS / 1000,
  });
}

/** The RFC 6238 time step containing `nowMs` (T0 = 0). */
export function totpStep(nowMs: number): number {
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new RangeError(`invalid time: ${nowMs}`);
  return Math.floor(nowMs / STEP_MS);
}

/** The code an authenticator shows at `nowMs`; for the enrolment preview and tests. */
export function generateTotpCode(secret: string, nowMs: number): string {
  return codeForStep(secret, totpStep(nowMs));
}

/**
 * Accepts the current step and one either side, but only a step later than `lastUsedStep`:
 * the caller stores the returned step (atomically, `… WHERE last_used_step < $step`) so a code
 * is never accepted twice and an older code is refused once a newer one was used (SECURITY T2).
 */
export function verifyTotp(input: TotpCheckInput): TotpCheck {
  const code = input.code.replace(/\s/g, '');
  if (!CODE_FORMAT.test(code)) return { ok: false, reason: 'malformed' };

  const current = totpStep(input.nowMs);
  const last = input.lastUsedStep ?? -1;
  let fresh: number | undefined;
  let replayed = false;
  // Every candidate is computed and compared, so timing does not tell which step matched.
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (step < 0 || !constantTimeEqual(codeForStep(input.secret, step), code)) continue;
    if (step <= last) replayed = true;
    else fresh ??= step; // the earliest unused match burns the fewest future steps
  }
  if (fresh !== undefined) return { ok: true, step: fresh };
  return { ok: false, reason: replayed ? 'replayed' : 'invalid' };
}

function codeForStep(secret: string, step: number): string {
  return generateSync({ secret, strategy: 'hotp', counter: step, algorithm: 'sha1', digits: DIGITS });
}

/** Human-typed codes: backup codes, admin recovery codes, email one-time codes, reference ids. */
import { randomCode } from './random.js';

/**
 * Crockford base32 (https://www.crockford.com/base32.html): 32 symbols, so each carries exactly
 * 5 bits, and it leaves out I, L and O (read as 1, 1 and 0) and U (accidental words). Because
 * Crockford defines I/L → 1 and O → 0 on input, a user who types the look-alike still gets in.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BITS_PER_SYMBOL = 5; // log2(32)
const DIGITS = '0123456789';

export const BACKUP_CODE_LENGTH = 8; // SECURITY B1: 8 symbols = 40 bits
export const MIN_BACKUP_CODE_BITS = 40; // SECURITY B1: a policy below 40 bits is refused
export const RECOVERY_CODE_LENGTH = 12; // 60 bits; lives 1 h (SECURITY R1)
export const MIN_EMAIL_OTP_DIGITS = 6; // SECURITY E1: six or more random digits
const MAX_CODE_LENGTH = 64; // longer than any code we issue; caps work done on pasted junk
const GROUP = 4;

const CONFUSABLES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/g; // spaces, hyphen, Unicode dashes and minus

/** A raw backup code (no dashes); show it with `formatGroupedCode`, store only its keyed hash. */
export function generateBackupCode(length = BACKUP_CODE_LENGTH): string {
  if (!Number.isInteger(length) || length * BITS_PER_SYMBOL < MIN_BACKUP_CODE_BITS || length > MAX_CODE_LENGTH) {
    throw new RangeError(
      `backup code length ${length} gives under ${MIN_BACKUP_CODE_BITS} bits (need ${MIN_BACKUP_CODE_BITS / BITS_PER_SYMBOL}–${MAX_CODE_LENGTH} symbols)`,
    );
  }
  return randomCode(CODE_ALPHABET, length);
}

/** A raw 12-symbol admin-issued recovery code; shown as `XXXX-XXXX-XXXX` via `formatGroupedCode`. */
export function generateRecoveryCode(): string {
  return randomCode(CODE_ALPHABET, RECOVERY_CODE_LENGTH);
}

/** Uniform decimal digits, leading zeros kept. */
export function generateEmailOtp(digits = MIN_EMAIL_OTP_DIGITS): string {
  if (!Number.isInteger(digits) || digits < MIN_EMAIL_OTP_DIGITS || digits > 10) {
    throw new RangeError(`email code needs ${MIN_EMAIL_OTP_DIGITS}–10 digits, got ${digits}`);
  }
  return randomCode(DIGITS, digits);
}

/** What generateReferenceId makes, as a route-parameter pattern. */
export const REFERENCE_ID_PATTERN = 'AR-[0-9A-Z]{4}-[0-9A-Z]{4}';

/** `AR-XXXX-XXXX`: a reference for an assistance request, quotable over the phone; not a secret. */
export function generateReferenceId(): string {
  return `AR-${formatGroupedCode(randomCode(CODE_ALPHABET, 8))}`;
}

/** `XK9P2QM7` → `XK9P-2QM7`; groups of four from the left, a shorter last group if need be. */
export function formatGroupedCode(raw: string): string {
  return (raw.match(new RegExp(`.{1,${GROUP}}`, 'g')) ?? []).join('-');
}

/**
 * What the user typed → the raw code to hash, or undefined if it cannot be one of ours.
 * Drops spaces and dashes, upper-cases, maps O → 0 and I/L → 1 (Crockford), and refuses anything
 * else outside the alphabet. Non-ASCII is refused before upper-casing, since e.g. `ı`.toUpperCase()
 * is `I`.
 */
export function normaliseCodeInput(text: string): string | undefined {
  if (text.length > MAX_CODE_LENGTH * 2) return undefined;
  const compact = text.replace(SEPARATORS, '');
  if (compact.length === 0 || compact.length > MAX_CODE_LENGTH || !/^[0-9A-Za-z]+$/.test(compact)) {
    return undefined;
  }
  const mapped = compact.toUpperCase().replace(/[OIL]/g, (c) => CONFUSABLES[c] ?? c);
  for (const c of mapped) {
    if (!CODE_ALPHABET.includes(c)) return undefined; // only U can still be here
  }
  return mapped;
}

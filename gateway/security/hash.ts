/** Hashes and keys. Every digest leaves this file as lower-case hex, so stored values compare as-is. */
import { createHash, createHmac, hkdfSync } from 'node:crypto';

/**
 * One key per use, so a key leaked or misused in one place opens nothing else. Adding a purpose
 * here is the only way to get a new key.
 */
export const KEY_PURPOSES = [
  'backup-code',
  'backup-code-display',
  'email-otp',
  'recovery-code',
  'totp-secret',
  'csrf',
  'session-token',
  'outbox-body',
  'audit-chain',
  'assertion-signing-key',
] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

// The derived keys are 256-bit; an input secret shorter than that would make them weaker than they look.
const MIN_SERVER_SECRET_BYTES = 32;
const DERIVED_KEY_BYTES = 32;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Keyed hash for stored one-time codes (SECURITY B2): a database dump alone cannot test guesses. */
export function hmacSha256(key: Uint8Array, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/**
 * HKDF-SHA256 (RFC 5869) from the server secret, with the purpose as `info` so each use gets an
 * independent key. No salt: the server secret is already uniformly random (RFC 5869 §3.1).
 */
export function deriveKey(serverSecret: string | Uint8Array, purpose: KeyPurpose): Buffer {
  const ikm = typeof serverSecret === 'string' ? Buffer.from(serverSecret, 'utf8') : serverSecret;
  if (ikm.byteLength < MIN_SERVER_SECRET_BYTES) {
    throw new RangeError(`server secret must be at least ${MIN_SERVER_SECRET_BYTES} bytes`);
  }
  if (!(KEY_PURPOSES as readonly string[]).includes(purpose)) {
    throw new RangeError(`unknown key purpose: ${purpose}`);
  }
  const info = Buffer.from(`recourse/v1/${purpose}`, 'utf8');
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, DERIVED_KEY_BYTES));
}

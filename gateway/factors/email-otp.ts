/**
 * Email one-time codes, a recovery way in (SECURITY E1–E3): random digits, stored only as a keyed
 * hash bound to the user and the sign-in attempt (the session that asked), valid for the policy
 * ttl, used at most once by one atomic UPDATE, and void after `max_attempts` wrong tries.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import {
  consumeEmailOtp,
  countWrongEmailOtp,
  findLatestEmailOtp,
  insertEmailOtp,
  voidLiveEmailOtps,
} from '../../db/queries/email-otps.js';
import type { Policy, REENROLLMENT_EVENTS } from '../policy/schema.js';
import { generateEmailOtp, MIN_EMAIL_OTP_DIGITS } from '../security/codes.js';
import { constantTimeEqual } from '../security/compare.js';
import { deriveKey, hmacSha256 } from '../security/hash.js';

/**
 * The re-enrolment trigger a sign-in by email code fires (SECURITY E3). The route records it in
 * the `email_otp.used` audit row; the obligation engine attaches in that same transaction, right
 * after the step-up in `gateway/routes/email-otp.tsx`, and turns it into the obligations the
 * policy's `reenrollment` rules name for `on: email_otp_used`.
 */
export const EMAIL_OTP_TRIGGER = 'email_otp_used' as const satisfies (typeof REENROLLMENT_EVENTS)[number];

const MAX_EMAIL_OTP_DIGITS = 10; // the policy schema's upper bound for `length`

export interface EmailOtpSettings {
  length: number;
  ttlMs: number;
  maxAttempts: number;
}

export function emailOtpSettings(policy: Policy): EmailOtpSettings {
  const { length, ttl, max_attempts: maxAttempts } = policy.factors.email_otp;
  return { length, ttlMs: ttl, maxAttempts };
}

/** The lifetime as the email and the page state it, in whole minutes (at least one). */
export function ttlMinutes(settings: EmailOtpSettings): number {
  return Math.max(1, Math.round(settings.ttlMs / 60_000));
}

/** The HMAC key codes are stored under; derived once per gateway from the server secret. */
export function emailOtpKey(serverSecret: string): Buffer {
  return deriveKey(serverSecret, 'email-otp');
}

/** The stored form of a code: keyed, and bound to the user and the sign-in attempt (SECURITY E1). */
export function hashEmailOtp(key: Uint8Array, userId: string, sessionIdHash: string, code: string): string {
  return hmacSha256(key, `${userId}:${sessionIdHash}:${code}`);
}

/** What the user typed → the digits to check, or undefined when it cannot be a code of ours. */
export function normaliseEmailOtpInput(text: string): string | undefined {
  if (text.length > 64) return undefined;
  const digits = text.replace(/\s/g, '');
  const shape = new RegExp(`^[0-9]{${MIN_EMAIL_OTP_DIGITS},${MAX_EMAIL_OTP_DIGITS}}$`);
  return shape.test(digits) ? digits : undefined;
}

export interface IssuedEmailOtp {
  id: string;
  /** The code in clear, only to be put into the email; never logged or stored. */
  code: string;
  expiresAt: Date;
  /** How many earlier live codes of the user this one voided. */
  voided: number;
}

/**
 * Issues a code for this sign-in attempt inside the caller's transaction (which also enqueues the
 * email and writes the audit row). Every earlier live code of the user is voided first.
 */
export async function issueEmailOtp(
  tx: Executor,
  key: Uint8Array,
  input: { userId: string; sessionIdHash: string; settings: EmailOtpSettings; now: Date },
): Promise<IssuedEmailOtp> {
  const { userId, sessionIdHash, settings, now } = input;
  const voided = await voidLiveEmailOtps(tx, userId, now);
  const id = randomUUID();
  const code = generateEmailOtp(settings.length);
  const expiresAt = new Date(now.getTime() + settings.ttlMs);
  await insertEmailOtp(tx, { id, userId, sessionIdHash, codeHash: hashEmailOtp(key, userId, sessionIdHash, code), now, expiresAt });
  return { id, code, expiresAt, voided };
}

export type EmailOtpFailure =
  | 'no_code' // nothing was sent for this sign-in attempt
  | 'used'
  | 'voided' // replaced by a resend, or voided by the attempt cap
  | 'expired'
  | 'exhausted' // the attempt cap was reached (e.g. the policy lowered it meanwhile)
  | 'invalid'
  | 'invalid_now_void' // a wrong try that reached the cap (SECURITY E2)
  | 'lost_race'; // a concurrent submission used or voided the code first

export type EmailOtpCheck = { ok: true; id: string } | { ok: false; reason: EmailOtpFailure; attempts?: number };

/**
 * Checks a code against the newest one issued for this sign-in attempt and, when it matches, uses
 * it. Run it inside the transaction that steps the session up and writes the audit row
 * (SECURITY F2); a wrong try is counted in the same transaction, so commit on failure too.
 */
export async function checkEmailOtp(
  tx: Executor,
  key: Uint8Array,
  input: { userId: string; sessionIdHash: string; code: string; now: Date; maxAttempts: number },
): Promise<EmailOtpCheck> {
  const { userId, sessionIdHash, code, now, maxAttempts } = input;
  const row = await findLatestEmailOtp(tx, userId, sessionIdHash);
  if (!row) return { ok: false, reason: 'no_code' };
  if (row.usedAt) return { ok: false, reason: 'used' };
  if (row.voidedAt) return { ok: false, reason: 'voided', attempts: row.attempts };
  if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  if (row.attempts >= maxAttempts) return { ok: false, reason: 'exhausted', attempts: row.attempts };
  if (constantTimeEqual(hashEmailOtp(key, userId, sessionIdHash, code), row.codeHash)) {
    return await consumeEmailOtp(tx, row.id, now, maxAttempts) ? { ok: true, id: row.id } : { ok: false, reason: 'lost_race' };
  }
  const counted = await countWrongEmailOtp(tx, row.id, now, maxAttempts);
  if (!counted) return { ok: false, reason: 'lost_race' };
  return { ok: false, reason: counted.voided ? 'invalid_now_void' : 'invalid', attempts: counted.attempts };
}

/** `alice@example.com` → `a•••@example.com`: enough to recognise the address, not to learn it. */
export function maskEmailAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}

/**
 * TOTP factors (SECURITY T1–T3): enrolment with a sealed secret confirmed by a first valid code,
 * and sign-in codes whose time step is burnt by one atomic UPDATE so a code passes at most once,
 * also when the same code arrives on several connections at the same moment.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNotNull, isNull, lt, ne, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { totpFactors, users } from '../../db/schema/index.js';
import { deriveKey } from '../security/hash.js';
import { openSecret, sealSecret } from '../security/secret-box.js';
import { generateTotpSecret, verifyTotp } from '../security/totp.js';

/** A pending enrolment is kept about as long as anyone takes to scan a code and type it in. */
export const TOTP_PENDING_TTL_MS = 60 * 60_000;

export interface PendingTotp {
  factorId: string;
  /** Base32 secret, for the QR code and the text the user may type instead. */
  secret: string;
}

export type TotpEnrolmentOutcome =
  | { ok: true; factorId: string; step: number; replacedConfirmed: boolean }
  | { ok: false; reason: 'no_pending_enrolment' | 'enrolment_expired' | 'other_session' | 'malformed' | 'invalid' };

export type TotpSignInOutcome =
  | { ok: true; factorId: string; step: number }
  | { ok: false; reason: 'no_factor' | 'secret_unreadable' | 'malformed' | 'invalid' | 'replayed' };

/** The AES-GCM key TOTP secrets are sealed with; derived once per gateway from the server secret. */
export function totpSealingKey(serverSecret: string): Buffer {
  return deriveKey(serverSecret, 'totp-secret');
}

/**
 * While pending, the secret is sealed to the factor id AND the session that started it: only that
 * session can see or confirm it, so a second session (a password thief on an account without a
 * factor) can never be shown a secret the owner goes on to enrol. Confirmation re-seals it to the
 * factor id alone.
 */
function pendingContext(factorId: string, sessionIdHash: string): string {
  return `${factorId}/pending/${sessionIdHash}`;
}

export interface PendingTotpInput {
  userId: string;
  /** The session enrolling; the pending secret opens only for it. */
  sessionIdHash: string;
  now: Date;
}

/**
 * Starts an enrolment: a fresh 160-bit secret, stored sealed and unconfirmed. An earlier
 * unconfirmed enrolment of the user is replaced.
 */
export async function startTotpEnrolment(db: Executor, key: Uint8Array, input: PendingTotpInput): Promise<PendingTotp> {
  const factorId = randomUUID();
  const secret = generateTotpSecret();
  await db.transaction(async (tx) => {
    await tx.delete(totpFactors).where(and(eq(totpFactors.userId, input.userId), isNull(totpFactors.confirmedAt)));
    await tx.insert(totpFactors).values({
      id: factorId, userId: input.userId, secretSealed: sealSecret(key, secret, pendingContext(factorId, input.sessionIdHash)), createdAt: input.now,
    });
  });
  return { factorId, secret };
}

/**
 * This session's fresh unconfirmed enrolment (a given one, or the newest), with its secret opened.
 * Undefined when it expired, was replaced, or belongs to another session.
 */
export async function loadPendingTotp(db: Executor, key: Uint8Array, input: PendingTotpInput & { factorId?: string }): Promise<PendingTotp | undefined> {
  if (input.factorId !== undefined && !isUuid(input.factorId)) return undefined;
  const conditions = [eq(totpFactors.userId, input.userId), isNull(totpFactors.confirmedAt)];
  if (input.factorId !== undefined) conditions.push(eq(totpFactors.id, input.factorId));
  const [row] = await db.select().from(totpFactors).where(and(...conditions)).orderBy(desc(totpFactors.createdAt)).limit(1);
  if (!row || input.now.getTime() - row.createdAt.getTime() > TOTP_PENDING_TTL_MS) return undefined;
  const secret = openSecret(key, row.secretSealed, pendingContext(row.id, input.sessionIdHash));
  return secret === undefined ? undefined : { factorId: row.id, secret };
}

/**
 * The enrolment this session already started, or a new one. Idempotent per session, so a reload,
 * a second tab or a browser fetching a favicon through the challenge redirects keeps the secret.
 */
export async function resumeTotpEnrolment(db: Executor, key: Uint8Array, input: PendingTotpInput): Promise<PendingTotp> {
  return db.transaction(async (tx) => {
    // Two requests of one session arriving together must not each start (and replace) one.
    await lockUser(tx, input.userId);
    return (await loadPendingTotp(tx, key, input)) ?? startTotpEnrolment(tx, key, input);
  });
}

/**
 * Confirms an enrolment with its first valid code (SECURITY T3). Run it inside the transaction
 * that writes `totp.enrolled`: the user row is locked so that two confirmations cannot both stay,
 * and the confirmed factor replaces any earlier one (one TOTP factor per user).
 */
export async function confirmTotpEnrolment(
  tx: Executor,
  key: Uint8Array,
  input: PendingTotpInput & { factorId: string; code: string },
): Promise<TotpEnrolmentOutcome> {
  const { userId, factorId, now } = input;
  if (!isUuid(factorId)) return { ok: false, reason: 'no_pending_enrolment' };
  await lockUser(tx, userId);
  const [row] = await tx.select().from(totpFactors)
    .where(and(eq(totpFactors.id, factorId), eq(totpFactors.userId, userId), isNull(totpFactors.confirmedAt))).limit(1);
  if (!row) return { ok: false, reason: 'no_pending_enrolment' };
  if (now.getTime() - row.createdAt.getTime() > TOTP_PENDING_TTL_MS) return { ok: false, reason: 'enrolment_expired' };
  const secret = openSecret(key, row.secretSealed, pendingContext(row.id, input.sessionIdHash));
  if (secret === undefined) return { ok: false, reason: 'other_session' };
  const check = verifyTotp({ secret, code: input.code, nowMs: now.getTime() });
  if (!check.ok) return { ok: false, reason: check.reason === 'malformed' ? 'malformed' : 'invalid' };

  const removed = await tx.delete(totpFactors).where(and(eq(totpFactors.userId, userId), ne(totpFactors.id, factorId)))
    .returning({ confirmedAt: totpFactors.confirmedAt });
  const confirmed = await tx.update(totpFactors)
    .set({ confirmedAt: now, lastUsedStep: check.step, secretSealed: sealSecret(key, secret, factorId) })
    .where(and(eq(totpFactors.id, factorId), isNull(totpFactors.confirmedAt))).returning({ id: totpFactors.id });
  if (confirmed.length === 0) return { ok: false, reason: 'no_pending_enrolment' };
  return { ok: true, factorId, step: check.step, replacedConfirmed: removed.some((r) => r.confirmedAt !== null) };
}

/**
 * Checks a sign-in code against the user's confirmed factor (±1 step, SECURITY T1) and burns its
 * step with one conditional UPDATE (SECURITY T2): of several requests carrying the same code, the
 * database lets exactly one move `last_used_step` forward. Run it inside the transaction that
 * steps the session up, so a failure later in that transaction gives the step back.
 */
export async function verifyTotpSignIn(
  tx: Executor,
  key: Uint8Array,
  input: { userId: string; code: string; nowMs: number },
): Promise<TotpSignInOutcome> {
  const [factor] = await tx.select().from(totpFactors)
    .where(and(eq(totpFactors.userId, input.userId), isNotNull(totpFactors.confirmedAt))).limit(1);
  if (!factor) return { ok: false, reason: 'no_factor' };
  const secret = openSecret(key, factor.secretSealed, factor.id);
  if (secret === undefined) return { ok: false, reason: 'secret_unreadable' };
  const check = verifyTotp({ secret, code: input.code, nowMs: input.nowMs, lastUsedStep: factor.lastUsedStep });
  if (!check.ok) return check;

  const burnt = await tx.update(totpFactors).set({ lastUsedStep: check.step })
    .where(and(eq(totpFactors.id, factor.id), or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, check.step))))
    .returning({ id: totpFactors.id });
  if (burnt.length === 0) return { ok: false, reason: 'replayed' };
  return { ok: true, factorId: factor.id, step: check.step };
}

async function lockUser(tx: Executor, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

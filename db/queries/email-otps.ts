import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { emailOtps, outbox, type DeliveryStatus } from '../schema/index.js';

export type EmailOtpRow = typeof emailOtps.$inferSelect;

/** Voids every live code of the user (a resend voids the previous one, SECURITY E1); returns how many. */
export async function voidLiveEmailOtps(db: Executor, userId: string, now: Date): Promise<number> {
  const rows = await db.update(emailOtps).set({ voidedAt: now })
    .where(and(eq(emailOtps.userId, userId), isNull(emailOtps.usedAt), isNull(emailOtps.voidedAt)))
    .returning({ id: emailOtps.id });
  return rows.length;
}

export async function insertEmailOtp(
  db: Executor,
  input: { id: string; userId: string; sessionIdHash: string; codeHash: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db.insert(emailOtps).values({
    id: input.id, userId: input.userId, sessionIdHash: input.sessionIdHash, codeHash: input.codeHash,
    createdAt: input.now, expiresAt: input.expiresAt,
  });
}

/**
 * The code to check for this sign-in attempt: the unused, unvoided one if any (a resend leaves at
 * most one, even when two share a timestamp), else the newest, whose state says why it failed.
 */
export async function findLatestEmailOtp(db: Executor, userId: string, sessionIdHash: string): Promise<EmailOtpRow | undefined> {
  const [row] = await db.select().from(emailOtps)
    .where(and(eq(emailOtps.userId, userId), eq(emailOtps.sessionIdHash, sessionIdHash)))
    .orderBy(sql`(${emailOtps.usedAt} is null and ${emailOtps.voidedAt} is null) desc`, desc(emailOtps.createdAt)).limit(1);
  return row;
}

/** Whether a code the user could still type exists for this sign-in attempt. */
export async function hasLiveEmailOtp(db: Executor, userId: string, sessionIdHash: string, now: Date, maxAttempts: number): Promise<boolean> {
  const [row] = await db.select({ id: emailOtps.id }).from(emailOtps)
    .where(liveFor(userId, sessionIdHash, now, maxAttempts)).limit(1);
  return row !== undefined;
}

/**
 * Uses the code with one atomic statement: of any number of concurrent submissions, exactly one
 * gets the row back (SECURITY E1 single use); an expired, voided or exhausted code never does.
 */
export async function consumeEmailOtp(db: Executor, id: string, now: Date, maxAttempts: number): Promise<boolean> {
  const rows = await db.update(emailOtps).set({ usedAt: now })
    .where(and(
      eq(emailOtps.id, id), isNull(emailOtps.usedAt), isNull(emailOtps.voidedAt),
      gt(emailOtps.expiresAt, now), lt(emailOtps.attempts, maxAttempts),
    ))
    .returning({ id: emailOtps.id });
  return rows.length > 0;
}

/**
 * Counts a wrong try with one atomic statement and voids the code when the count reaches the
 * cap (SECURITY E2), so parallel guesses cannot slip past it. Undefined when the code was no
 * longer live (used, voided or expired meanwhile).
 */
export async function countWrongEmailOtp(
  db: Executor,
  id: string,
  now: Date,
  maxAttempts: number,
): Promise<{ attempts: number; voided: boolean } | undefined> {
  const [row] = await db.update(emailOtps).set({
    attempts: sql`${emailOtps.attempts} + 1`,
    voidedAt: sql`case when ${emailOtps.attempts} + 1 >= ${maxAttempts} then ${now.toISOString()}::timestamptz else null end`,
  })
    .where(and(eq(emailOtps.id, id), isNull(emailOtps.usedAt), isNull(emailOtps.voidedAt), gt(emailOtps.expiresAt, now)))
    .returning({ attempts: emailOtps.attempts, voidedAt: emailOtps.voidedAt });
  return row ? { attempts: row.attempts, voided: row.voidedAt !== null } : undefined;
}

/** Where the email carrying a code stands in the outbox, so the page can tell the user. */
export async function outboxDeliveryOf(db: Executor, messageId: string): Promise<{ status: DeliveryStatus; failedAttempt: boolean } | undefined> {
  const [row] = await db.select({ status: outbox.status, lastError: outbox.lastError }).from(outbox).where(eq(outbox.id, messageId)).limit(1);
  return row ? { status: row.status, failedAttempt: row.lastError !== null } : undefined;
}

function liveFor(userId: string, sessionIdHash: string, now: Date, maxAttempts: number) {
  return and(
    eq(emailOtps.userId, userId), eq(emailOtps.sessionIdHash, sessionIdHash),
    isNull(emailOtps.usedAt), isNull(emailOtps.voidedAt), gt(emailOtps.expiresAt, now), lt(emailOtps.attempts, maxAttempts),
  );
}

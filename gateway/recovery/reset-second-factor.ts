import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { backupCodes, emailOtps, totpFactors, users, webauthnCredentials } from '../../db/schema/index.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import { defaultPolicy } from '../policy/load.js';
import { revokeUserSessions } from '../session/store.js';
import { fireReenrollmentTrigger, type ReenrollmentDeps } from './reenrollment.js';

export interface ResetSecondFactorInput {
  userId: string;
  actor: AuditEntry['actor'];
  reason: string;
  details?: string | null;
  onBehalfOf?: string | null;
  /** The recovery request this reset answers, if any: the audit row names it (request-completion.ts). */
  reference?: string | null;
  ip?: string | null;
  requestId?: string | null;
  now: Date;
  /**
   * The policy whose `admin_reset` re-enrolment rules apply. Without it (the CLI) the built-in
   * rules do, which require a new second factor at once.
   */
  policies?: ReenrollmentDeps['policies'];
  /** session.secret: keys the audit chain. */
  serverSecret: string;
}

const builtInRules: ReenrollmentDeps['policies'] = { current: () => ({ policy: defaultPolicy() }) };

/**
 * Removes every second factor of a user (TOTP, security keys) and voids their backup and email
 * codes, revokes their sessions, audits `second_factor.reset` and fires the `admin_reset`
 * re-enrolment trigger — all in the caller's transaction. Returns the revoked session id hashes so caches can forget them.
 */
export async function resetSecondFactor(tx: Executor, input: ResetSecondFactorInput): Promise<{ revokedSessions: string[]; removed: { totp: number; keys: number; codes: number } }> {
  const totp = await tx.delete(totpFactors).where(eq(totpFactors.userId, input.userId)).returning({ id: totpFactors.id });
  const keys = await tx.delete(webauthnCredentials).where(eq(webauthnCredentials.userId, input.userId)).returning({ id: webauthnCredentials.id });
  const codes = await tx.update(backupCodes).set({ voidedAt: input.now })
    .where(and(eq(backupCodes.userId, input.userId), isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt))).returning({ id: backupCodes.id });
  await tx.update(emailOtps).set({ voidedAt: input.now }).where(and(eq(emailOtps.userId, input.userId), isNull(emailOtps.usedAt), isNull(emailOtps.voidedAt)));
  const revokedSessions = await revokeUserSessions(tx, input.userId, input.now);
  const removed = { totp: totp.length, keys: keys.length, codes: codes.length };
  await writeAudit(tx, input.serverSecret, {
    event: 'second_factor.reset', at: input.now, actor: input.actor, userId: input.userId, ip: input.ip ?? null,
    requestId: input.requestId ?? null, reason: input.reason,
    details: { ...removed, sessions_revoked: revokedSessions.length, ...(input.reference ? { reference: input.reference } : {}), ...(input.details ? { details: input.details } : {}), ...(input.onBehalfOf ? { on_behalf_of: input.onBehalfOf } : {}) },
  });
  const [user] = await tx.select({ role: users.role, type: users.type }).from(users).where(eq(users.id, input.userId));
  if (user) {
    await fireReenrollmentTrigger(tx, { policies: input.policies ?? builtInRules, config: { session: { secret: input.serverSecret } } }, {
      userId: input.userId, trigger: 'admin_reset', role: user.role, type: user.type, now: input.now,
      actor: input.actor, ip: input.ip ?? null, requestId: input.requestId ?? null,
    });
  }
  return { revokedSessions, removed };
}

/** What a Reset 2FA takes away, for the tests that try one: a victim who has it all, and a count of it. */
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Storage } from '../../db/client.js';
import { auditLog, backupCodes, sessions, totpFactors } from '../../db/schema/index.js';
import type { Clock } from '../../gateway/core/clock.js';
import { generateBackupCodeSet } from '../../gateway/factors/backup-codes.js';
import { seedTotp } from '../http/totp-support.js';
import type { TestGateway } from './gateway.js';

/** A user with an authenticator app, backup codes and a live session. */
export async function resetVictim(gw: TestGateway, storage: Storage, clock: Clock, email: string, password: string): Promise<string> {
  const userId = await gw.addUser({ email, password });
  await seedTotp(storage, userId, clock);
  const deps = { config: gw.config, clock, policies: gw.running.policies };
  await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
  await gw.running.sessions.issue(storage.db, { userId, authLevel: 2 });
  return userId;
}

/** Everything a reset changes, to compare before and after. */
export async function resetState(storage: Storage, userId: string) {
  const [totp] = await storage.db.select({ n: count() }).from(totpFactors).where(eq(totpFactors.userId, userId));
  const [codes] = await storage.db.select({ n: count() }).from(backupCodes)
    .where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt)));
  const [live] = await storage.db.select({ n: count() }).from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  const [resets] = await storage.db.select({ n: count() }).from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'second_factor.reset')));
  return { totp: totp!.n, codes: codes!.n, sessions: live!.n, resets: resets!.n };
}

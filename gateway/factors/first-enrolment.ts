import type { Executor } from '../../db/client.js';
import { countUnusedBackupCodes, generateBackupCodeSet, type BackupCodeDeps } from './backup-codes.js';

/**
 * After a second factor is enrolled, a user who holds no live backup codes gets a set, so losing
 * the new factor is never a dead end (issue 4: codes come with the first enrolment). Returns
 * whether a set waits to be shown on P/backup-codes.
 */
export async function issueBackupCodesIfNone(
  tx: Executor,
  deps: BackupCodeDeps,
  user: { id: string },
  ip: string,
  requestId: string,
): Promise<boolean> {
  if (!deps.policies.current().policy.factors.backup_codes.enabled) return false;
  if ((await countUnusedBackupCodes(tx, user.id)) > 0) return false;
  const outcome = await generateBackupCodeSet(tx, deps, user.id, { userId: user.id }, ip, requestId);
  return outcome.ok;
}

/** Where to go after enrolling: the new codes first (they are shown once), then on to `next`. */
export function afterEnrolment(prefix: string, codesIssued: boolean, next: string): string {
  return codesIssued ? `${prefix}/backup-codes?rd=${encodeURIComponent(next)}` : next;
}

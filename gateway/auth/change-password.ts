/**
 * A signed-in user changes their own password (issue 29 item 1): the current one is checked
 * behind login regulation (charged first, like a sign-in), the new one is set where the password
 * lives (here, or in the directory when Recourse may write it), every other session ends, and
 * `password.changed` is audited in the same transaction.
 */
import type { Database } from '../../db/client.js';
import { updateUser } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import type { Directory } from '../directory/directory.js';
import { checkPasswordCharged } from './charged-password-check.js';
import type { Limits } from '../ratelimit/limits.js';
import { hashPassword, passwordProblem } from '../security/password.js';
import type { SessionManager } from '../session/manager.js';

export interface ChangePasswordDeps {
  db: Database;
  clock: Clock;
  sessions: SessionManager;
  limits: Pick<Limits, 'chargeLogin'>;
  directory: Pick<Directory, 'findAccount' | 'passwordOwner' | 'setDirectoryPassword'>;
  config: { session: { secret: string } };
}

export type ChangePasswordOutcome =
  | { ok: true; revoked: string[] }
  | { ok: false; reason: 'wrong_password' | 'not_here' }
  | { ok: false; reason: 'weak_password'; message: string }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number };

export async function changePassword(
  deps: ChangePasswordDeps,
  input: { user: Pick<UserRow, 'id' | 'email' | 'directoryId'>; sessionIdHash: string; current: string; replacement: string; ip: string; requestId: string },
): Promise<ChangePasswordOutcome> {
  const owner = deps.directory.passwordOwner(input.user);
  if (owner === 'directory_only') return { ok: false, reason: 'not_here' };
  const problem = passwordProblem(input.replacement);
  if (problem) return { ok: false, reason: 'weak_password', message: `The new password ${problem}.` };
  const charge = await deps.limits.chargeLogin(input.user.email, input.ip);
  if (!charge.ok) return { ok: false, reason: 'rate_limited', retryAfterMs: charge.retryAfterMs };
  const checked = await checkPasswordCharged(charge, deps.directory, input.user.email, input.current);
  if (!checked.ok && checked.reason === 'locked') return { ok: false, reason: 'rate_limited', retryAfterMs: checked.refusal.retryAfterMs };
  if (!checked.ok || checked.user.id !== input.user.id) {
    await charge.failed();
    return { ok: false, reason: 'wrong_password' };
  }
  await charge.succeeded();
  const passwordHash = owner === 'local' ? await hashPassword(input.replacement) : null;
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    if (owner === 'directory') {
      if (await deps.directory.setDirectoryPassword(checked.user, input.replacement) === 'refused') {
        return { ok: false as const, reason: 'weak_password' as const, message: 'Your organisation\'s directory did not accept this password. Choose a longer or more varied one.' };
      }
    } else {
      await updateUser(tx, input.user.id, { passwordHash }, now);
    }
    const revoked = await deps.sessions.revokeAllForUser(tx, input.user.id, input.sessionIdHash);
    await writeAudit(tx, deps.config.session.secret, {
      event: 'password.changed', at: now, actor: { userId: input.user.id }, userId: input.user.id, ip: input.ip, requestId: input.requestId,
      details: { sessions_revoked: revoked.length, ...(owner === 'directory' ? { changed_in: 'directory' } : {}) },
    });
    return { ok: true as const, revoked };
  });
}

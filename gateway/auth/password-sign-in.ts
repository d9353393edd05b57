import type { Database } from '../../db/client.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import { verifyPassword } from '../security/password.js';
import type { SessionManager } from '../session/manager.js';

export interface PasswordSignInDeps {
  db: Database;
  clock: Clock;
  sessions: SessionManager;
}

export interface PasswordSignInInput {
  email: string;
  password: string;
  ip: string;
  location?: string | null;
  userAgent?: string;
  requestId: string;
  /** The session the browser held before, revoked so the new id replaces it (SECURITY S1). */
  previousIdHash?: string;
}

export type PasswordSignInOutcome =
  | { ok: true; userId: string; cookieValue: string; expiresAt: Date }
  | { ok: false; reason: 'unknown_user' | 'bad_password' | 'inactive' | 'no_password'; userId?: string };

/**
 * The first factor. Every failure costs the same argon2 work and is audited with its precise
 * reason; the caller answers all of them with one generic message.
 */
export async function signInWithPassword(deps: PasswordSignInDeps, input: PasswordSignInInput): Promise<PasswordSignInOutcome> {
  const user = await findUserByEmail(deps.db, input.email);
  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  const failure = !user ? 'unknown_user' : !user.passwordHash ? 'no_password' : !passwordOk ? 'bad_password' : !user.active ? 'inactive' : null;
  const audit = { at: deps.clock.now(), ip: input.ip, location: input.location ?? null, requestId: input.requestId };
  if (failure || !user) {
    await deps.db.transaction((tx) => writeAudit(tx, {
      ...audit, event: 'login.failed', actor: user ? { userId: user.id } : null, userId: user?.id ?? null,
      details: { reason: failure, email: input.email.slice(0, 254) },
    }));
    return { ok: false, reason: failure ?? 'unknown_user', ...(user ? { userId: user.id } : {}) };
  }
  return deps.db.transaction(async (tx) => {
    if (input.previousIdHash) await deps.sessions.revoke(tx, input.previousIdHash);
    const session = await deps.sessions.issue(tx, { userId: user.id, authLevel: 1, ip: input.ip, userAgent: input.userAgent ?? null });
    await writeAudit(tx, { ...audit, event: 'login.succeeded', actor: { userId: user.id }, userId: user.id, details: { method: 'password' } });
    return { ok: true as const, userId: user.id, cookieValue: session.cookieValue, expiresAt: session.expiresAt };
  });
}

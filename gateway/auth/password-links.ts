import type { Database } from '../../db/client.js';
import { consumeUserToken, findLiveUserToken, insertUserToken } from '../../db/queries/user-tokens.js';
import { findUserById, updateUser } from '../../db/queries/users.js';
import type { TokenPurpose } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import type { Rate } from '../core/duration.js';
import type { Limits } from '../ratelimit/limits.js';
import { sha256Hex } from '../security/hash.js';
import { hashPassword, passwordProblem } from '../security/password.js';
import { randomToken } from '../security/random.js';
import type { SessionManager } from '../session/manager.js';
import type { Executor } from '../../db/client.js';

/** Creates a single-use link token (only its hash is stored) and returns the raw token. */
export async function issuePasswordLink(tx: Executor, input: { userId: string; purpose: TokenPurpose; ttlMs: number; now: Date }): Promise<string> {
  const token = randomToken(32);
  await insertUserToken(tx, { tokenHash: sha256Hex(token), userId: input.userId, purpose: input.purpose, now: input.now, ttlMs: input.ttlMs });
  return token;
}

export async function describePasswordLink(db: Database, token: string, now: Date) {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const row = await findLiveUserToken(db, sha256Hex(token), now);
  if (!row) return undefined;
  const user = await findUserById(db, row.userId);
  return user && user.active ? { user, purpose: row.purpose } : undefined;
}

export type SetPasswordOutcome =
  | { ok: true; userId: string }
  | { ok: false; reason: 'invalid_link' | 'weak_password'; message?: string }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * Consumes the link and sets the password in one transaction, revoking every session of the user
 * so a stolen session does not outlive the reset. Each post is charged to the client's address
 * first (`rate_limits.password_reset.per_ip`), and the link is looked up by its SHA-256 before the
 * new password is hashed: a made-up, expired or spent link never costs an argon2id hash (issue
 * 32: 300 posts of random tokens cost 174 hashes and starved real sign-ins).
 */
export async function setPasswordWithLink(
  deps: {
    db: Database; clock: Clock; sessions: SessionManager; config: { session: { secret: string } };
    limits: Pick<Limits, 'consume'>; perIp: Rate;
  },
  input: { token: string; password: string; ip: string; requestId: string },
): Promise<SetPasswordOutcome> {
  const limited = await deps.limits.consume('password_reset_ip', input.ip, deps.perIp);
  if (!limited.ok) return { ok: false, reason: 'rate_limited', retryAfterMs: limited.retryAfterMs };
  const problem = passwordProblem(input.password);
  if (problem) return { ok: false, reason: 'weak_password', message: `Password ${problem}.` };
  if (!TOKEN_SHAPE.test(input.token)) return { ok: false, reason: 'invalid_link' };
  const tokenHash = sha256Hex(input.token);
  if (!await findLiveUserToken(deps.db, tokenHash, deps.clock.now())) return { ok: false, reason: 'invalid_link' };
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    // The lookup above only saves work: the link is spent here, once, whoever else raced for it.
    const row = await consumeUserToken(tx, tokenHash, now);
    if (!row) return { ok: false as const, reason: 'invalid_link' as const };
    await updateUser(tx, row.userId, { passwordHash }, now);
    const revoked = await deps.sessions.revokeAllForUser(tx, row.userId);
    await writeAudit(tx, deps.config.session.secret, {
      event: 'password.reset', at: now, actor: { userId: row.userId }, userId: row.userId, ip: input.ip, requestId: input.requestId,
      details: { via: row.purpose, sessions_revoked: revoked.length },
    });
    return { ok: true as const, userId: row.userId };
  });
}

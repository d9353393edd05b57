import type { Database } from '../../db/client.js';
import { consumeUserToken, findLiveUserToken, insertUserToken } from '../../db/queries/user-tokens.js';
import { findUserById, updateUser } from '../../db/queries/users.js';
import type { TokenPurpose } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import { completeAnsweredRequests } from '../recovery/request-completion.js';
import type { Clock } from '../core/clock.js';
import type { Rate } from '../core/duration.js';
import type { Limits } from '../ratelimit/limits.js';
import { sha256Hex } from '../security/hash.js';
import { hashPassword, passwordProblem } from '../security/password.js';
import { randomToken } from '../security/random.js';
import type { SessionManager } from '../session/manager.js';
import type { Executor } from '../../db/client.js';
import type { Directory } from '../directory/directory.js';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/** The address a link token opens: `P/password/reset?token=…` on the public URL. */
export function passwordLinkUrl(publicUrl: string, prefix: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${prefix}/password/reset?token=${token}`;
}

/** The page a recovery code is typed into, on the public URL (the code itself is never in it). */
export function recoveryCodePageUrl(publicUrl: string, prefix: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${prefix}/2fa/recovery-code`;
}

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
  | { ok: true; userId: string; purpose: TokenPurpose }
  | { ok: false; reason: 'invalid_link' | 'weak_password'; message?: string }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number };

const DIRECTORY_REFUSED = 'Your organisation\'s directory did not accept this password. Choose a longer or more varied one.';

/**
 * Consumes the link and sets the password in one transaction, revoking every session of the user
 * so a stolen session does not outlive the reset. A directory user's password is changed in the
 * directory, inside that transaction: when the directory refuses or cannot be reached, the link
 * stays unused. Each post is charged to the client's address first
 * (`rate_limits.password_reset.per_ip`), and the link is looked up by its SHA-256 before the new
 * password is hashed: a made-up, expired or spent link never costs an argon2id hash (issue 32:
 * 300 posts of random tokens cost 174 hashes and starved real sign-ins).
 */
export async function setPasswordWithLink(
  deps: {
    db: Database; clock: Clock; sessions: SessionManager; config: { session: { secret: string } };
    directory: Pick<Directory, 'passwordOwner' | 'setDirectoryPassword'>; limits: Pick<Limits, 'consume'>; perIp: Rate;
  },
  input: { token: string; password: string; ip: string; requestId: string },
): Promise<SetPasswordOutcome> {
  const limited = await deps.limits.consume('password_reset_ip', input.ip, deps.perIp);
  if (!limited.ok) return { ok: false, reason: 'rate_limited', retryAfterMs: limited.retryAfterMs };
  const problem = passwordProblem(input.password);
  if (problem) return { ok: false, reason: 'weak_password', message: `Password ${problem}.` };
  if (!TOKEN_SHAPE.test(input.token)) return { ok: false, reason: 'invalid_link' };
  const holder = (await describePasswordLink(deps.db, input.token, deps.clock.now()))?.user;
  if (!holder) return { ok: false, reason: 'invalid_link' };
  const owner = deps.directory.passwordOwner(holder);
  const passwordHash = owner === 'local' ? await hashPassword(input.password) : null;
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    // The lookup above only saves work: the link is spent here, once, whoever else raced for it.
    const row = await consumeUserToken(tx, sha256Hex(input.token), now);
    // The holder read before (an active account: a disabled one's link sets no password that would
    // wait for it to be enabled) is the one consumed, or the link is treated as gone.
    if (!row || row.userId !== holder.id) return { ok: false as const, reason: 'invalid_link' as const };
    if (owner === 'directory_only') return { ok: false as const, reason: 'invalid_link' as const };
    if (owner === 'directory') {
      if (await deps.directory.setDirectoryPassword(holder, input.password) === 'refused') throw new DirectoryRefusedPassword();
    } else {
      await updateUser(tx, row.userId, { passwordHash }, now);
    }
    const revoked = await deps.sessions.revokeAllForUser(tx, row.userId);
    await writeAudit(tx, deps.config.session.secret, {
      event: 'password.reset', at: now, actor: { userId: row.userId }, userId: row.userId, ip: input.ip, requestId: input.requestId,
      details: { via: row.purpose, sessions_revoked: revoked.length, ...(owner === 'directory' ? { changed_in: 'directory' } : {}) },
    });
    // A request answered with an access email is done once its password is set (issue 28).
    await completeAnsweredRequests(tx, { userId: row.userId, answer: 'access_email', after: 'password.reset', now, serverSecret: deps.config.session.secret, ip: input.ip, requestId: input.requestId });
    return { ok: true as const, userId: row.userId, purpose: row.purpose };
  }).catch((error: unknown) => {
    if (error instanceof DirectoryRefusedPassword) return { ok: false as const, reason: 'weak_password' as const, message: DIRECTORY_REFUSED };
    throw error;
  });
}

/** Rolls the transaction back so the link stays usable for a better password. */
class DirectoryRefusedPassword extends Error {}

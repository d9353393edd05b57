import type { Database } from '../../db/client.js';
import type { UserRow } from '../../db/schema/index.js';
import { findUserByEmail, replacePasswordHash } from '../../db/queries/users.js';
import type { Directory, FirstFactorFailure } from '../directory/directory.js';
import { recordAudit, writeAudit } from '../audit/write.js';
import { checkPasswordCharged, refundOnError } from './charged-password-check.js';
import type { Clock } from '../core/clock.js';
import { isValidEmail } from '../core/email.js';
import { describeLocation, type GeoIp } from '../context/geoip.js';
import { recordSignInAttempt } from '../context/history.js';
import type { LoginBanScope, LoginFailure, Limits } from '../ratelimit/limits.js';
import { detectNewLocation } from '../recovery/new-location.js';
import { fireReenrollmentTrigger, type ReenrollmentDeps } from '../recovery/reenrollment.js';
import { hashPassword, PasswordHashBusyError, passwordNeedsRehash } from '../security/password.js';
import type { SessionManager } from '../session/manager.js';

export interface PasswordSignInDeps {
  db: Database;
  clock: Clock;
  sessions: SessionManager;
  limits: Pick<Limits, 'chargeLogin'>;
  /** Finds the account and checks the password: the local argon2 hash, or a bind to the directory. */
  directory: Pick<Directory, 'findAccount'>;
  geoip: GeoIp;
  /** The `reenrollment` rules (`new_location`). */
  policies: ReenrollmentDeps['policies'];
  /** session.secret keys the audit chain. */
  config: { session: { secret: string } };
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
  | {
      ok: false;
      reason: FirstFactorFailure | 'locked';
      userId?: string;
      /** Set when the account or the IP is banned (login regulation): how long the ban lasts. */
      lockedForMs?: number;
      /** After a failure that started no ban: how many more failures are allowed before one. */
      remaining?: number;
    };

/**
 * The first factor, behind login regulation (SECURITY L1): the attempt is charged to the account
 * (as typed, whether it exists or not; once found, under its id too) and to the IP before
 * anything is verified, so parallel
 * attempts cannot all pass a check of the count; while either is banned or full, nothing is
 * verified. Every failure costs the same argon2 work, keeps its charge (towards a ban) and is
 * audited with its precise reason; the caller answers all of them with one generic message.
 */
export async function signInWithPassword(deps: PasswordSignInDeps, input: PasswordSignInInput): Promise<PasswordSignInOutcome> {
  const charge = await deps.limits.chargeLogin(input.email, input.ip);
  if (!charge.ok) return refuseLocked(deps, input, charge);
  // Throws DirectoryUnavailableError when the directory cannot answer: the charge is given back then.
  const checked = await checkPasswordCharged(charge, deps.directory, input.email, input.password);
  if (!checked.ok && checked.reason === 'locked') return refuseLocked(deps, input, checked.refusal);
  if (!checked.ok) return recordFailure(deps, input, checked.user, checked.reason, await charge.failed());
  const signedIn = await refundOnError(charge, () => startSession(deps, input, checked.user));
  await charge.succeeded();
  return signedIn;
}

async function refuseLocked(deps: PasswordSignInDeps, input: PasswordSignInInput, refusal: { scope: LoginBanScope; retryAfterMs: number }): Promise<PasswordSignInOutcome> {
  const { audit, email } = attemptRecord(deps, input);
  const user = await findUserByEmail(deps.db, input.email);
  await recordAudit(deps.db, deps.config.session.secret, {
    ...audit, event: 'login.failed', actor: user ? { userId: user.id } : null, userId: user?.id ?? null,
    details: { reason: 'locked', scope: refusal.scope, email },
  });
  return { ok: false, reason: 'locked', lockedForMs: refusal.retryAfterMs, ...(user ? { userId: user.id } : {}) };
}

async function recordFailure(
  deps: PasswordSignInDeps, input: PasswordSignInInput, user: UserRow | undefined, failure: FirstFactorFailure, ban: LoginFailure,
): Promise<PasswordSignInOutcome> {
  const { audit, email, attempt } = attemptRecord(deps, input);
  await deps.db.transaction(async (tx) => {
    await recordSignInAttempt(tx, deps.geoip, { ...attempt, userId: user?.id ?? null, success: false });
    await writeAudit(tx, deps.config.session.secret, {
      ...audit, event: 'login.failed', actor: user ? { userId: user.id } : null, userId: user?.id ?? null,
      details: { reason: failure, email },
    });
    for (const scope of ban.started) {
      await writeAudit(tx, deps.config.session.secret, {
        ...audit, event: 'login.locked', actor: 'system', userId: scope === 'ip' ? null : user?.id ?? null,
        details: { scope, email, ban_seconds: Math.ceil(ban.retryAfterMs / 1000) },
      });
    }
  });
  return {
    ok: false, reason: failure,
    ...(user ? { userId: user.id } : {}), ...(ban.banned ? { lockedForMs: ban.retryAfterMs } : { remaining: ban.remaining }),
  };
}

async function startSession(deps: PasswordSignInDeps, input: PasswordSignInInput, user: UserRow): Promise<PasswordSignInOutcome> {
  const { at, audit, attempt } = attemptRecord(deps, input);
  const rehashed = await rehashIfOutdated(user.passwordHash, input.password);
  let obligationsChanged = false;
  const signedIn = await deps.db.transaction(async (tx) => {
    if (rehashed) await replacePasswordHash(tx, { userId: user.id, verified: user.passwordHash!, replacement: rehashed, now: at });
    if (input.previousIdHash) await deps.sessions.revoke(tx, input.previousIdHash);
    const session = await deps.sessions.issue(tx, { userId: user.id, authLevel: 1, ip: input.ip, userAgent: input.userAgent ?? null });
    // Re-enrolment: compared with the history before this attempt joins it.
    const newPlace = await detectNewLocation(tx, deps, { userId: user.id, role: user.role, type: user.type, place: deps.geoip.lookup(input.ip) });
    await recordSignInAttempt(tx, deps.geoip, { ...attempt, userId: user.id, success: true });
    await writeAudit(tx, deps.config.session.secret, { ...audit, event: 'login.succeeded', actor: { userId: user.id }, userId: user.id, details: { method: 'password' } });
    if (newPlace) {
      const { fired } = await fireReenrollmentTrigger(tx, deps, {
        userId: user.id, trigger: 'new_location', role: user.role, type: user.type, now: at,
        actor: { userId: user.id }, ip: input.ip, requestId: input.requestId, details: { ...newPlace },
      });
      obligationsChanged = fired.length > 0;
    }
    return { ok: true as const, userId: user.id, cookieValue: session.cookieValue, expiresAt: session.expiresAt };
  });
  if (obligationsChanged) deps.sessions.forgetUser(user.id);
  return signedIn;
}

/** What the audit rows and the sign-in history say about this attempt. */
function attemptRecord(deps: PasswordSignInDeps, input: PasswordSignInInput) {
  const at = deps.clock.now();
  const audit = { at, ip: input.ip, location: input.location ?? describeLocation(deps.geoip.lookup(input.ip)), requestId: input.requestId };
  // What was typed is recorded only when it is an address: a password typed into the email field
  // by mistake must not land in the audit log or the sign-in history (SECURITY U1).
  const email = isValidEmail(input.email) ? input.email.slice(0, 254) : '(not an email address)';
  const attempt = { email, method: 'password' as const, ip: input.ip, userAgent: input.userAgent ?? null, at };
  return { at, audit, email, attempt };
}

/**
 * A new hash of a password just proved, when the stored one was made with earlier settings
 * (`passwordNeedsRehash`). Made before the sign-in's transaction, never inside it; when the hash
 * queue is full the old hash stays and a later sign-in tries again.
 */
async function rehashIfOutdated(stored: string | null, password: string): Promise<string | null> {
  if (!stored || !passwordNeedsRehash(stored)) return null;
  try {
    return await hashPassword(password);
  } catch (error) {
    if (error instanceof PasswordHashBusyError) return null;
    throw error;
  }
}

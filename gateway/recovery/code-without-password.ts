/**
 * A recovery code also resets a forgotten password (issue 28 item 6, CONTRACT §8.4): "the code
 * lets them reset their password or remove their 2FA device". Someone who cannot sign in with a
 * password gives the email and the code on `P/2fa/recovery-code`. In ONE transaction (SECURITY F2,
 * R1, R3) the code is spent, every session of the account is revoked, a single-use password-reset
 * link is issued, the request is completed and all of it audited; a holder who lost the second
 * factor too also gets a restricted session that can only enrol a new one (and the
 * `recovery_code_used` obligations), and sets the password after enrolling.
 *
 * An unknown email and a wrong code get the same answer after the same work: the code is looked up
 * for an id no account has. Each attempt is charged before its check to login regulation (the email
 * as typed and the IP, account or not) and, for an account, to its second-factor failures
 * (SECURITY L1).
 */
import type { Database } from '../../db/client.js';
import { completeApprovedRequest } from '../../db/queries/admin.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { recordSecondFactorFailure } from '../auth/complete-second-factor.js';
import { issuePasswordLink } from '../auth/password-links.js';
import { writeAudit } from '../audit/write.js';
import type { Config } from '../config/schema.js';
import { describeLocation, type GeoIp } from '../context/geoip.js';
import { recordSignInAttempt } from '../context/history.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../policy/schema.js';
import type { Limits } from '../ratelimit/limits.js';
import type { SessionManager } from '../session/manager.js';
import { redeemRecoveryCode } from './recovery-codes.js';
import { fireReenrollmentTrigger } from './reenrollment.js';

// No account has this id (ids are random v4 UUIDs): a code looked up for it is never found.
const NO_USER = '00000000-0000-0000-0000-000000000000';

export interface CodeWithoutPasswordDeps {
  db: Database;
  clock: Clock;
  config: Pick<Config, 'session'>;
  sessions: Pick<SessionManager, 'issue' | 'revokeAllForUser'>;
  limits: Limits;
  geoip: GeoIp;
  policies: { current(): { policy: Policy } };
}

export interface CodeWithoutPasswordInput {
  email: string;
  typed: string;
  /** The second factor is lost too: a restricted session to enrol a new one comes with the link. */
  lostSecondFactor: boolean;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export type CodeWithoutPasswordOutcome =
  | { ok: true; userId: string; resetToken: string; session: { cookieValue: string; expiresAt: Date } | null; reference: string | null; revoked: string[] }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number }
  /** A wrong, spent or expired code, or an email of no active account: one answer. */
  | { ok: false; reason: 'refused' };

export async function redeemWithoutPassword(deps: CodeWithoutPasswordDeps, input: CodeWithoutPasswordInput): Promise<CodeWithoutPasswordOutcome> {
  const email = input.email.trim().toLowerCase();
  // Charged before anything is checked (SECURITY L1): parallel guesses cannot all pass a count.
  const login = await deps.limits.chargeLogin(email, input.ip);
  if (!login.ok) return { ok: false, reason: 'rate_limited', retryAfterMs: login.retryAfterMs };
  const found = await findUserByEmail(deps.db, email);
  const user = found?.active ? found : undefined;
  // An unknown email is charged too, and refunded below: the same work either way, and no count
  // builds up under the id no account has (which would block every unknown email alike).
  const second = await deps.limits.chargeSecondFactor(user?.id ?? NO_USER);
  if (!second.ok) {
    await login.refund();
    return { ok: false, reason: 'rate_limited', retryAfterMs: second.retryAfterMs };
  }
  const secret = deps.config.session.secret;
  const outcome = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const redeemed = await redeemRecoveryCode(tx, { serverSecret: secret, userId: user?.id ?? NO_USER, typed: input.typed, now });
    if (!redeemed.ok || !user) return { ok: false as const, why: redeemed.ok ? 'no_account' : redeemed.reason };
    const revoked = await deps.sessions.revokeAllForUser(tx, user.id);
    const { policy } = deps.policies.current();
    // As long as the code itself was good for: the holder uses it now or asks again.
    const resetToken = await issuePasswordLink(tx, { userId: user.id, purpose: 'password_reset', ttlMs: policy.recovery.recovery_code.ttl, now });
    const request = redeemed.requestId ? await completeApprovedRequest(tx, redeemed.requestId, now) : undefined;
    const location = describeLocation(deps.geoip.lookup(input.ip));
    const audit = { at: now, actor: { userId: user.id }, userId: user.id, ip: input.ip, location, requestId: input.requestId };
    await writeAudit(tx, secret, {
      ...audit, event: 'recovery_code.used',
      details: { code_id: redeemed.codeId, reference: request?.reference ?? null, sessions_revoked: revoked.length, without_password: true, lost_second_factor: input.lostSecondFactor },
    });
    let session: { cookieValue: string; expiresAt: Date } | null = null;
    if (input.lostSecondFactor) {
      session = await deps.sessions.issue(tx, { userId: user.id, authLevel: 2, restricted: true, secondFactorAt: now, ip: input.ip, userAgent: input.userAgent });
      await recordSignInAttempt(tx, deps.geoip, { userId: user.id, email: user.email, success: true, method: 'recovery_code', ip: input.ip, userAgent: input.userAgent, at: now });
      await writeAudit(tx, secret, { ...audit, event: 'second_factor.succeeded', details: { method: 'recovery_code', without_password: true } });
      await fireReenrollmentTrigger(tx, deps, {
        userId: user.id, trigger: 'recovery_code_used', role: user.role, type: user.type, now, actor: { userId: user.id }, ip: input.ip,
        requestId: input.requestId, details: { reference: request?.reference ?? null },
      });
    }
    if (request) await writeAudit(tx, secret, { ...audit, event: 'recovery_request.completed', details: { reference: request.reference, via: 'recovery_code' } });
    return { ok: true as const, userId: user.id, resetToken, session, reference: request?.reference ?? null, revoked };
  });
  if (outcome.ok) {
    await login.succeeded();
    await second.succeeded();
    return outcome;
  }
  await login.failed();
  if (user) await second.failed();
  else await second.refund();
  // Recorded and audited for an unknown email as well (without an account), so both cost the same.
  await recordSecondFactorFailure(deps, {
    userId: user?.id ?? null, email, actor: null, method: 'recovery_code', reason: outcome.why,
    ip: input.ip, userAgent: input.userAgent, requestId: input.requestId, details: { without_password: true },
  });
  return { ok: false, reason: 'refused' };
}

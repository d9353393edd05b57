import type { Context } from 'hono';
import { writeAudit } from '../audit/write.js';
import { describeLocation } from '../context/geoip.js';
import { recordSignInAttempt } from '../context/history.js';
import type { Executor } from '../../db/client.js';
import { setSessionCookie } from '../http/cookies.js';
import type { AppEnv } from '../http/env.js';
import type { RouteDeps } from '../routes/deps.js';
import type { SessionView } from '../session/store.js';
import { stepUpSession, type SecondFactorMethod } from './second-factor.js';

/** A verifier's no: `reason` is audited and logged, never shown. */
export type Refused = { ok: false; reason: string; detail?: string };
/**
 * A verifier's yes carries what the route needs afterwards, what the success audit row says, and
 * the RFC 8176 `amr` value when the method alone does not say it (a WebAuthn key: hwk or swk).
 */
export type Verdict<Proof> = { ok: true; proof: Proof; details?: Record<string, unknown>; amr?: string } | Refused;

export interface SecondFactorAttempt<Answer, Proof> {
  method: SecondFactorMethod;
  session: SessionView;
  /** What was sent; null when nothing was (an empty field): no guess was made, nothing is charged. */
  answer: Answer | null;
  /** Checks the answer inside the transaction, spending there whatever it consumes (SECURITY F2). */
  verify(tx: Executor, answer: Answer): Promise<Verdict<Proof>>;
  /** The route's own work in the same transaction, after the step-up: use records, re-enrolment triggers. */
  onSuccess?(tx: Executor, proof: Proof): Promise<void>;
  /** Steps up to a recovery session that may only enrol a new factor (SECURITY R3). */
  restricted?: boolean;
}

export type SecondFactorOutcome<Proof> =
  | { ok: true; proof: Proof }
  | { ok: false; reason: 'empty' }
  /** A recovery session may only enrol a new factor (SECURITY R3): it answers no challenge. */
  | { ok: false; reason: 'restricted' }
  | { ok: false; reason: 'blocked'; retryAfterMs: number }
  | { ok: false; reason: 'refused'; failure: string };

type Deps = Pick<RouteDeps, 'db' | 'sessions' | 'clock' | 'geoip' | 'config' | 'limits'>;

/**
 * The one way a second factor is finished, for every method (SECURITY L1, F2, S1). The attempt
 * is charged to the account before anything is verified, atomically, so parallel guesses cannot
 * all pass a read of the count: a charge past `max_failures`, or on a blocked account, is
 * refused unverified — the right code too. Inside one transaction the route's verifier runs,
 * the session steps up and the success is audited with the route's own work; a failure keeps its
 * charge (the one that reaches the limit starts the block) and is audited with its precise
 * reason; a success clears the count. An empty answer is no guess and costs nothing; anything
 * else, malformed or not, is one. A recovery-restricted session is refused here, whatever the
 * route's own gate let through, so no challenge can turn it into a full session (SECURITY R3).
 * The route answers each outcome with its own page.
 */
export async function completeSecondFactor<Answer, Proof>(
  deps: Deps,
  c: Context<AppEnv>,
  attempt: SecondFactorAttempt<Answer, Proof>,
): Promise<SecondFactorOutcome<Proof>> {
  const { session, method, answer } = attempt;
  if (session.restricted) {
    c.get('log').warn({ event: 'second_factor.refused', method, reason: 'restricted_session' }, 'a recovery session answered a challenge; it may only enrol');
    return { ok: false, reason: 'restricted' };
  }
  if (answer === null) return { ok: false, reason: 'empty' };
  const charge = await deps.limits.chargeSecondFactor(session.user.id);
  if (!charge.ok) return blocked(c, method, charge.retryAfterMs);

  const result = await deps.db.transaction(async (tx) => {
    const verdict = await attempt.verify(tx, answer);
    // A refusal still commits: what the check counted (an email code's tries) stays counted.
    if (!verdict.ok) return verdict;
    const fresh = await stepUpSession(deps, c, tx, session, method, { restricted: attempt.restricted === true, details: verdict.details ?? {}, ...(verdict.amr ? { amr: verdict.amr } : {}) });
    await attempt.onSuccess?.(tx, verdict.proof);
    return { ok: true as const, proof: verdict.proof, fresh };
  });
  if (!result.ok) {
    const check = await charge.failed();
    await recordSecondFactorFailure(deps, {
      userId: session.user.id, email: session.user.email, actor: { userId: session.user.id }, method, reason: result.reason,
      ip: c.get('clientIp'), userAgent: c.req.header('user-agent') ?? null, requestId: c.get('requestId'),
    });
    c.get('log').info({ event: 'second_factor.failed', method, reason: result.reason, detail: result.detail }, 'second factor refused');
    return check.ok ? { ok: false, reason: 'refused', failure: result.reason } : blocked(c, method, check.retryAfterMs);
  }
  setSessionCookie(c, deps.config, result.fresh.cookieValue, result.fresh.expiresAt, deps.clock.nowMs());
  await charge.succeeded();
  // Re-enrolment obligations and the level changed: cached views of this user are stale.
  deps.sessions.forgetUser(session.user.id);
  return { ok: true, proof: result.proof };
}

/** One answer to a blocked account, whichever route: logged, and told when to come back. */
function blocked(c: Context<AppEnv>, method: SecondFactorMethod, retryAfterMs: number): SecondFactorOutcome<never> {
  c.get('log').warn({ event: 'second_factor.blocked', method, retryAfterMs }, 'second factor blocked for this account');
  c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return { ok: false, reason: 'blocked', retryAfterMs };
}

export interface SecondFactorFailure {
  /** The account tried; null for an email no active account has (recorded all the same). */
  userId: string | null;
  email: string;
  actor: { userId: string } | null;
  method: SecondFactorMethod;
  reason: string;
  ip: string;
  userAgent: string | null;
  requestId: string;
  /** Added to the audit row's details beside the method and reason. */
  details?: Record<string, unknown>;
}

/**
 * A refused second factor, audited and added to the sign-in history with its precise reason: the
 * one record of it, for the challenges above and for a recovery code given without a session
 * (recovery/code-without-password.ts).
 */
export async function recordSecondFactorFailure(
  deps: Pick<Deps, 'db' | 'geoip' | 'clock'> & { config: { session: { secret: string } } }, failure: SecondFactorFailure,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const context = await recordSignInAttempt(tx, deps.geoip, {
      userId: failure.userId, email: failure.email, success: false, method: failure.method, ip: failure.ip, userAgent: failure.userAgent, at,
    });
    await writeAudit(tx, deps.config.session.secret, {
      event: 'second_factor.failed', at, actor: failure.actor, userId: failure.userId, ip: failure.ip, location: describeLocation(context),
      requestId: failure.requestId, details: { method: failure.method, reason: failure.reason, ...failure.details },
    });
  });
}

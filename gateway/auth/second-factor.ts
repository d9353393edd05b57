import type { Context } from 'hono';
import { writeAudit } from '../audit/write.js';
import { describeLocation } from '../context/geoip.js';
import { recordSignInAttempt } from '../context/history.js';
import type { Executor } from '../../db/client.js';
import { setSessionCookie } from '../http/cookies.js';
import type { AppEnv } from '../http/env.js';
import type { RouteDeps } from '../routes/deps.js';
import { secondFactorAmr } from '../identity/amr.js';
import type { SessionView } from '../session/store.js';

export type SecondFactorMethod = 'totp' | 'webauthn' | 'backup_code' | 'email_otp' | 'recovery_code';

/**
 * How a session gains its second factor: inside the caller's transaction (the one that consumed
 * the code or verified the key, SECURITY F2), the session is replaced by a fresh id at level 2
 * and the success is audited; the cookie is set once the transaction has committed. `amr` is the
 * RFC 8176 value when the method alone does not say it (a WebAuthn key: identity/amr.ts). Challenges
 * call it through completeSecondFactor, enrolment directly.
 */
export async function stepUpSession(
  deps: Pick<RouteDeps, 'sessions' | 'clock' | 'geoip' | 'config'>,
  c: Context<AppEnv>,
  tx: Executor,
  session: SessionView,
  method: SecondFactorMethod,
  options: { restricted?: boolean; details?: Record<string, unknown>; amr?: string } = {},
): Promise<{ cookieValue: string; expiresAt: Date }> {
  const fresh = await deps.sessions.stepUp(tx, session, {
    ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent') ?? null,
    amr: options.amr ?? secondFactorAmr(method),
    ...(options.restricted ? { restricted: true } : {}),
  });
  const context = await recordSignInAttempt(tx, deps.geoip, {
    userId: session.user.id, email: session.user.email, success: true, method, ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent') ?? null, at: deps.clock.now(),
  });
  await writeAudit(tx, deps.config.session.secret, {
    event: 'second_factor.succeeded', at: deps.clock.now(), actor: { userId: session.user.id }, userId: session.user.id,
    ip: c.get('clientIp'), location: describeLocation(context), requestId: c.get('requestId'), details: { method, ...options.details },
  });
  return fresh;
}

/**
 * Sets the stepped-up session's cookie once its transaction has committed, and lifts any
 * second-factor block: for enrolment, whose new factor proves the user as a challenge would.
 * Challenges go through completeSecondFactor, which does this itself.
 */
export async function finishStepUp(deps: Pick<RouteDeps, 'config' | 'clock' | 'limits'>, c: Context<AppEnv>, userId: string, fresh: { cookieValue: string; expiresAt: Date }): Promise<void> {
  setSessionCookie(c, deps.config, fresh.cookieValue, fresh.expiresAt, deps.clock.nowMs());
  await deps.limits.resetSecondFactor(userId);
}

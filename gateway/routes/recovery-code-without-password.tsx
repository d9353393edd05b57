import { translatable } from '../i18n/i18n.js';
import type { Context } from 'hono';
import { MessagePage } from '../../views/pages/message.js';
import { RecoveryCodePage } from '../../views/pages/recovery-code.js';
import { setSessionCookie } from '../http/cookies.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { redeemWithoutPassword } from '../recovery/code-without-password.js';
import type { RouteDeps } from './deps.js';
import { redirectToLogin, withRd } from './second-factor-gate.js';
import { refuseFor } from '../http/retry-after.js';

type Ctx = Context<AppEnv>;

// The same words for an unknown email and a wrong code (SECURITY A1).
const REFUSED = translatable('That email and code did not work together. Check both and try again, or ask your administrator for a new code.');

/**
 * `GET/POST P/2fa/recovery-code` for someone with no session (issue 28 item 6): the email and the
 * code; on success the code has been spent and a password-reset link issued
 * (recovery/code-without-password.ts). Who kept their second factor goes straight to choosing a
 * password; who lost it too first enrols a new one in a restricted session, then chooses one.
 */
export function recoveryCodeWithoutPassword(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;

  function form(c: Ctx, rd: string, error: string | null, status: 200 | 400 | 401, email = '') {
    return c.html(<RecoveryCodePage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} user={null} email={email} error={error} />, status);
  }

  async function post(c: Ctx, body: Record<string, unknown>, rd: string) {
    // The signed-in form (no email field) whose session ended meanwhile: sign in again, as before.
    if (body.email === undefined) return redirectToLogin(c, prefix, withRd(`${prefix}/2fa/recovery-code`, rd));
    const email = formText(body.email, 254) ?? '';
    const typed = formText(body.code, 128);
    if (!email || !typed) return form(c, rd, translatable('Enter your email address and the recovery code from your administrator.'), 400, email);
    const outcome = await redeemWithoutPassword(deps, {
      email, typed, lostSecondFactor: body.lost === 'both', ip: c.get('clientIp'), userAgent: c.req.header('user-agent') ?? null, requestId: c.get('requestId'),
    });
    const log = c.get('log');
    if (!outcome.ok) {
      log.info({ event: 'recovery_code.refused', reason: outcome.reason, without_password: true }, 'recovery code without a password refused');
      if (outcome.reason === 'rate_limited') {
        const wait = refuseFor(c, outcome.retryAfterMs);
        return c.html(<MessagePage prefix={prefix} title={translatable("Too many attempts")} message={`${c.get('t')('There have been too many failed attempts.')} ${wait} ${c.get('t')('Or ask your administrator.')}`} />, 429);
      }
      return form(c, rd, REFUSED, 401, email);
    }
    deps.sessions.announceRevoked(outcome.revoked);
    deps.sessions.forgetUser(outcome.userId);
    log.info({ event: 'recovery_code.used', reference: outcome.reference, without_password: true, new_session: outcome.session !== null }, 'recovery code used to reset a password');
    const reset = `${prefix}/password/reset?token=${outcome.resetToken}`;
    if (!outcome.session) return c.redirect(reset, 303);
    setSessionCookie(c, deps.config, outcome.session.cookieValue, outcome.session.expiresAt, deps.clock.nowMs());
    // A new factor first (the session can do nothing else), then the password; then sign in.
    return c.redirect(withRd(`${prefix}/enroll`, reset), 303);
  }

  return { form, post };
}

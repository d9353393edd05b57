import { Hono, type Context } from 'hono';
import { MessagePage } from '../../views/pages/message.js';
import { PasswordForgotPage, PasswordLinkSentPage } from '../../views/pages/password-forgot.js';
import { isValidEmail } from '../core/email.js';
import { waitWords } from '../core/wait-words.js';
import type { AppEnv } from '../http/env.js';
import { translatable } from '../i18n/i18n.js';
import { formText } from '../http/form.js';
import { refuseFor } from '../http/retry-after.js';
import { chargePasswordForgot, mailPasswordLink } from '../recovery/password-forgot.js';
import type { RouteDeps } from './deps.js';

/**
 * `GET/POST P/password/forgot` (CONTRACT §8.4), only while `recovery.self_service_password_reset`
 * is on: the same answer for every address, and the account work after it, never waited for.
 */
export function passwordForgotRoutes(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const app = new Hono<AppEnv>();
  const policy = () => deps.policies.current().policy;
  const off = (c: Context<AppEnv>) =>
    c.html(<MessagePage prefix={prefix} title={translatable('Not available')} message={translatable('Passwords are reset by an administrator here.')} link={{ href: `${prefix}/assist`, label: c.get('t')('Ask for help') }} />, 404);
  const form = (c: Context<AppEnv>, email: string, error: string | null, status: 200 | 400 | 429) =>
    c.html(<PasswordForgotPage prefix={prefix} csrfToken={c.get('csrfToken')} email={email} error={error} />, status);

  app.get('/password/forgot', (c) => (policy().recovery.self_service_password_reset ? form(c, '', null, 200) : off(c)));

  app.post('/password/forgot', async (c) => {
    const current = policy();
    if (!current.recovery.self_service_password_reset) return off(c);
    const email = formText((await c.req.parseBody()).email, 254);
    if (!isValidEmail(email)) return form(c, email, translatable('Enter the email address of your account.'), 400);
    const ip = c.get('clientIp');
    const log = c.get('log');
    const limited = await chargePasswordForgot(deps.limits, current.rate_limits.password_forgot, { email, ip });
    if (!limited.ok) {
      log.info({ event: 'password.forgot_limited' }, 'password-reset link refused: rate limit');
      return form(c, email, `${c.get('t')('Too many requests.')} ${refuseFor(c, limited.retryAfterMs)}`, 429);
    }
    const ttlMs = current.recovery.access_email.ttl;
    void mailPasswordLink(deps, { email, ttlMs, ip, requestId: c.get('requestId') })
      .then((mailed) => {
        log.info({ event: 'password.reset_requested', sent: mailed.sent }, 'password-reset link requested');
        return mailed.sent ? deps.delivery.poke() : undefined;
      })
      .catch((error: unknown) => log.error({ event: 'password.forgot_failed', err: String(error) }, 'password-reset link not issued'));
    return c.html(<PasswordLinkSentPage prefix={prefix} ttl={waitWords(ttlMs, c.get('t'))} />);
  });

  return app;
}

import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import type { Database } from '../../db/client.js';
import type { TokenPurpose } from '../../db/schema/index.js';
import { MessagePage } from '../../views/pages/message.js';
import { SetPasswordPage } from '../../views/pages/set-password.js';
import { describePasswordLink, setPasswordWithLink } from '../auth/password-links.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { AppEnv } from '../http/env.js';
import { formSecret, formText } from '../http/form.js';
import type { PolicyStore } from '../policy/watch.js';
import type { Limits } from '../ratelimit/limits.js';
import type { SessionManager } from '../session/manager.js';
import type { Directory } from '../directory/directory.js';
import { refuseFor } from '../http/retry-after.js';

export interface PasswordRouteDeps {
  db: Database;
  clock: Clock;
  config: Config;
  sessions: SessionManager;
  limits: Pick<Limits, 'consume'>;
  policies: PolicyStore;
  directory: Pick<Directory, 'passwordOwner' | 'setDirectoryPassword'>;
}

const TITLES: Readonly<Record<TokenPurpose, string>> = {
  admin_setup: translatable('Set up your administrator account'),
  password_reset: translatable('Choose a new password'),
  invitation: translatable('Welcome: choose your password'),
};

/** `P/password/reset`: the one-time admin setup link, password-reset access emails and invitations. */
export function passwordRoutes(deps: PasswordRouteDeps) {
  const prefix = deps.config.server.prefix;
  const app = new Hono<AppEnv>();
  const expired = (c: Context<AppEnv>) => c.html(
    <MessagePage prefix={prefix} title={translatable("Link expired")} message={translatable("This link is invalid, has expired or was already used. Ask an administrator for a new one.")} link={{ href: `${prefix}/login`, label: translatable('Go to sign-in') }} />,
    400,
  );

  app.get('/password/reset', async (c) => {
    const token = c.req.query('token') ?? '';
    const link = await describePasswordLink(deps.db, token, deps.clock.now());
    if (!link) return expired(c);
    return c.html(<SetPasswordPage prefix={prefix} csrfToken={c.get('csrfToken')} token={token} email={link.user.email} title={TITLES[link.purpose]} />);
  });

  app.post('/password/reset', async (c) => {
    const form = await c.req.parseBody();
    const token = formText(form.token, 200);
    const password = formSecret(form.password, 1024);
    const perIp = deps.policies.current().policy.rate_limits.password_reset.per_ip;
    const outcome = await setPasswordWithLink({ ...deps, perIp }, { token, password, ip: c.get('clientIp'), requestId: c.get('requestId') });
    // An invited user goes on to enrol a second factor once signed in (the enrolment page is open
    // to an account that holds none yet, routes/enroll.tsx).
    if (outcome.ok && outcome.purpose === 'invitation') return c.redirect(`${prefix}/login?notice=welcome&rd=${encodeURIComponent(`${prefix}/enroll`)}`, 303);
    if (outcome.ok) return c.redirect(`${prefix}/login?notice=password-set`, 303);
    if (outcome.reason === 'rate_limited') {
      c.get('log').info({ event: 'password.reset.limited', retryAfterMs: outcome.retryAfterMs }, 'password link refused: rate limit');
      const wait = refuseFor(c, outcome.retryAfterMs);
      return c.html(<MessagePage prefix={prefix} title={translatable("Too many attempts")} message={`${c.get('t')('Too many attempts from your network.')} ${wait} ${c.get('t')('Then open the link again.')}`} />, 429);
    }
    if (outcome.reason === 'weak_password') {
      const link = await describePasswordLink(deps.db, token, deps.clock.now());
      if (!link) return expired(c);
      return c.html(<SetPasswordPage prefix={prefix} csrfToken={c.get('csrfToken')} token={token} email={link.user.email} title={TITLES[link.purpose]} error={outcome.message ?? null} />, 400);
    }
    c.get('log').info({ event: 'password.reset.refused' }, 'password link invalid or used');
    return expired(c);
  });
  return app;
}

import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { findUserById } from '../../db/queries/users.js';
import { totpFactors } from '../../db/schema/index.js';
import { MessagePage } from '../../views/pages/message.js';
import { changePassword } from '../auth/change-password.js';
import { writeAudit } from '../audit/write.js';
import type { AppEnv } from '../http/env.js';
import { formSecret } from '../http/form.js';
import { refuseFor } from '../http/retry-after.js';
import { translatable } from '../i18n/i18n.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';

/** What the account page says after a change here (`?notice=` / `?error=`). */
export const ACCOUNT_SECURITY_NOTICES: Readonly<Record<string, string>> = {
  'password-changed': translatable('Your password is changed. Every other browser is signed out.'),
  'totp-removed': translatable('Your authenticator app is removed.'),
};
export const ACCOUNT_SECURITY_ERRORS: Readonly<Record<string, string>> = {
  'wrong-password': translatable('Your current password was not right. Your password is unchanged.'),
  'password-missing': translatable('Enter your current password and a new one.'),
};

/**
 * `POST P/account/password` and `POST P/account/totp/remove` (issue 29 item 1): both change what
 * protects the account, so both need a second factor passed within the last 10 minutes, as
 * removing a security key does (routes/webauthn-keys.tsx), and both are audited.
 */
export function accountSecurityRoutes(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const account = `${prefix}/account`;
  const app = new Hono<AppEnv>();
  const mayChange = createGuards(deps).requireSecondFactor({ fresh: true, back: () => account });

  app.post('/account/password', mayChange, async (c) => {
    const session = c.var.signedIn;
    const form = await c.req.parseBody();
    const current = formSecret(form.current_password, 1024);
    const replacement = formSecret(form.new_password, 1024);
    if (!current || !replacement) return c.redirect(`${account}?error=password-missing#password`, 303);
    const user = await findUserById(deps.db, session.user.id);
    if (!user) return c.redirect(`${prefix}/login`, 303);
    const outcome = await changePassword(deps, {
      user, sessionIdHash: session.idHash, current, replacement, ip: c.get('clientIp'), requestId: c.get('requestId'),
    });
    c.get('log').info({ event: 'password.change', ok: outcome.ok, reason: outcome.ok ? null : outcome.reason }, 'password change');
    if (outcome.ok) return c.redirect(`${account}?notice=password-changed`, 303);
    const t = c.get('t');
    const back = { href: `${account}#password`, label: t('Back to your account') };
    switch (outcome.reason) {
      case 'rate_limited':
        return c.html(<MessagePage prefix={prefix} title={t('Too many attempts')} message={`${t('Too many wrong passwords.')} ${refuseFor(c, outcome.retryAfterMs)}`} link={back} />, 429);
      case 'weak_password':
        return c.html(<MessagePage prefix={prefix} title={t('Choose another password')} message={outcome.message} link={back} />, 400);
      case 'not_here':
        return c.html(<MessagePage prefix={prefix} title={t('Choose another password')} message={t("Your password is kept by your organisation's directory. Change it there.")} link={back} />, 400);
      default:
        return c.redirect(`${account}?error=wrong-password#password`, 303);
    }
  });

  app.post('/account/totp/remove', mayChange, async (c) => {
    const { user } = c.var.signedIn;
    const removed = await deps.db.transaction(async (tx) => {
      const rows = await tx.delete(totpFactors).where(eq(totpFactors.userId, user.id)).returning({ id: totpFactors.id });
      if (rows.length === 0) return 0;
      await writeAudit(tx, deps.config.session.secret, {
        event: 'totp.removed', at: deps.clock.now(), actor: { userId: user.id }, userId: user.id,
        ip: c.get('clientIp'), requestId: c.get('requestId'), details: { removed: rows.length },
      });
      return rows.length;
    });
    if (removed > 0) deps.sessions.forgetUser(user.id);
    return c.redirect(removed > 0 ? `${account}?notice=totp-removed` : account, 303);
  });

  return app;
}

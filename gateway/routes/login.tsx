import { Hono } from 'hono';
import { readCookie } from '../http/session-cookie.js';
import { rememberUserLanguage } from '../../db/queries/users.js';
import { LoginPage } from '../../views/pages/login.js';
import { writeAudit } from '../audit/write.js';
import { signInWithPassword } from '../auth/password-sign-in.js';
import { clearSessionCookie, setSessionCookie } from '../http/cookies.js';
import type { AppEnv } from '../http/env.js';
import { formSecret, formText } from '../http/form.js';
import { HASH_BUSY_MESSAGE, markHashBusy } from '../http/hash-busy.js';
import { PasswordHashBusyError } from '../security/password.js';
import { DIRECTORY_UNAVAILABLE_MESSAGE, DirectoryUnavailableError } from '../directory/errors.js';
import { translatable, type Translate } from '../i18n/i18n.js';
import type { RouteDeps } from './deps.js';
import { waitWords } from '../core/wait-words.js';
import { refuseFor } from '../http/retry-after.js';


const NOTICES: Record<string, string> = {
  'signed-out': translatable('You are signed out.'),
  'password-set': translatable('Your password is set. Sign in with it now.'),
  welcome: translatable('Your password is set. Sign in with it now; then set up your second factor.'),
};
const GENERIC_FAILURE = translatable('Incorrect email or password.');

function noticeFor(t: Translate, key: string | undefined): string | null {
  const notice = NOTICES[key ?? ''];
  return notice ? t(notice) : null;
}

export function loginRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const usernames = deps.directory.kind === 'ldap';
  const forgotPassword = () => deps.policies.current().policy.recovery.self_service_password_reset;
  const app = new Hono<AppEnv>();

  app.get('/login', (c) => {
    const rd = deps.safeRedirect(c.req.query('rd'), c.req.header('host'), '/');
    return c.html(<LoginPage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} usernames={usernames} forgotPassword={forgotPassword()} notice={noticeFor(c.get('t'), c.req.query('notice'))} />);
  });

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const email = formText(form.email, 254);
    const password = formSecret(form.password, 1024);
    const rd = deps.safeRedirect(formText(form.rd, 2048), c.req.header('host'), '/');
    const t = c.get('t');
    const page = (error: string, status: 400 | 401 | 403 | 429 | 503) => c.html(<LoginPage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} usernames={usernames} forgotPassword={forgotPassword()} email={email} error={error} />, status);
    if (!email || !password) return page(t('Enter your email and password.'), 400);
    const previous = c.get('session');
    let outcome: Awaited<ReturnType<typeof signInWithPassword>>;
    try {
      outcome = await signInWithPassword(deps, {
        email, password, ip: c.get('clientIp'), userAgent: c.req.header('user-agent'), requestId: c.get('requestId'),
        ...(previous ? { previousIdHash: previous.idHash } : {}),
      });
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) {
        // Fail closed, and say so: a wrong password is not the reason, and nothing was counted.
        c.get('log').error({ event: 'login.directory_unavailable', err: error.message }, 'sign-in refused: directory unreachable');
        c.header('Retry-After', '30');
        return page(t(DIRECTORY_UNAVAILABLE_MESSAGE), 503);
      }
      if (!(error instanceof PasswordHashBusyError)) throw error;
      // Overload, not a failed attempt: nothing is counted towards a ban, and every email gets this.
      markHashBusy(c, error);
      return page(t(HASH_BUSY_MESSAGE), 503);
    }
    if (!outcome.ok) {
      c.get('log').info({ event: 'login.failed', reason: outcome.reason, locked: outcome.lockedForMs !== undefined }, 'sign-in refused');
      if (previous) clearSessionCookie(c, config);
      if (outcome.lockedForMs === undefined) {
        // Before the last try, the same words for every email: counts are kept whether or not it exists.
        const banMs = deps.policies.current().policy.rate_limits.login.ban_time;
        return page(outcome.remaining === 1
          ? t('Incorrect email or password. One more failed attempt will pause sign-in for this account here for {{wait}}.', { wait: waitWords(banMs, t) })
          : t(GENERIC_FAILURE), 401);
      }
      // The same answer for every email, existing or not: a ban reveals nothing about the account.
      return page(`${t('Too many failed sign-in attempts.')} ${refuseFor(c, outcome.lockedForMs)}`, 429);
    }
    // The language they signed in with is the one their emails are written in.
    await rememberUserLanguage(deps.db, outcome.userId, c.get('language'));
    setSessionCookie(c, config, outcome.cookieValue, outcome.expiresAt, deps.clock.nowMs());
    return c.redirect(rd, 303);
  });

  app.post('/logout', async (c) => {
    const session = c.get('session');
    if (session) {
      await deps.db.transaction(async (tx) => {
        await deps.sessions.revoke(tx, session.idHash);
        
        await writeAudit(tx, deps.config.session.secret, { event: 'logout', at: deps.clock.now(), actor: { userId: session.user.id }, userId: session.user.id, ip: c.get('clientIp'), requestId: c.get('requestId') });
      });
    }
    clearSessionCookie(c, config);
    if (readCookie(c.req.header('cookie'), config.session.cookie_name) && !session) c.get('log').debug('logout with an unknown session cookie');
    return c.redirect(`${prefix}/login?notice=signed-out`, 303);
  });

  return app;
}

import type { Context } from 'hono';
import { AssistPage } from '../../views/pages/assist.js';
import { LoginPage } from '../../views/pages/login.js';
import { MessagePage } from '../../views/pages/message.js';
import { PasswordForgotPage } from '../../views/pages/password-forgot.js';
import { RecoveryCodePage } from '../../views/pages/recovery-code.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { translatable } from '../i18n/i18n.js';
import { apiError } from './api/errors.js';
import type { RouteDeps } from './deps.js';

type Ctx = Context<AppEnv>;
export const EXPIRED = translatable('This form expired before it was sent. Check what you typed and send it again.');

/**
 * The answer to a same-site post whose CSRF token no longer matches (the browser's cookie was
 * cleared, or the page was left open across a restart of the cookie): `403` either way, but the
 * person sees the form again with what they typed (never a secret) and a fresh token, and a JSON
 * caller gets `{error: {code, message}}`. Cross-site posts never get here: the Origin check
 * refuses them first.
 */
export function expiredFormAnswer(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const usernames = deps.directory.kind === 'ldap';
  const redirect = (c: Ctx, value: unknown) => deps.safeRedirect(formText(value, 2048), c.req.header('host'), '/');

  const forms: Record<string, (c: Ctx, form: Record<string, unknown>) => Response | Promise<Response>> = {
    '/login': (c, form) => c.html(<LoginPage prefix={prefix} csrfToken={c.get('csrfToken')} rd={redirect(c, form.rd)} usernames={usernames} forgotPassword={deps.policies.current().policy.recovery.self_service_password_reset} email={formText(form.email, 254)} error={EXPIRED} />, 403),
    '/assist': (c, form) => {
      const { types } = deps.policies.current().policy.recovery.assistance;
      const values = { email: formText(form.email, 254), type: formText(form.type, 32), message: formText(form.message, 2000) };
      return c.html(<AssistPage prefix={prefix} csrfToken={c.get('csrfToken')} types={types} values={values} error={EXPIRED} />, 403);
    },
    '/password/forgot': (c, form) => c.html(<PasswordForgotPage prefix={prefix} csrfToken={c.get('csrfToken')} email={formText(form.email, 254)} error={EXPIRED} />, 403),
    '/2fa/recovery-code': (c, form) => c.html(
      <RecoveryCodePage prefix={prefix} csrfToken={c.get('csrfToken')} rd={redirect(c, form.rd)} user={null} email={formText(form.email, 254)} error={EXPIRED} />, 403),
  };

  return async function answerExpiredForm(c: Ctx, form: Record<string, unknown> | null): Promise<Response> {
    const path = c.req.path.startsWith(prefix) ? c.req.path.slice(prefix.length) : c.req.path;
    if (path.startsWith('/api/') || !form) return apiError(c, 403, 'form_expired', 'This form expired. Reload the page and send it again.');
    const page = forms[path];
    if (page && !(path === '/2fa/recovery-code' && c.get('session'))) return page(c, form);
    return c.html(<MessagePage prefix={prefix} title={translatable('This form expired')} message={EXPIRED} link={{ href: backTo(c, prefix), label: c.get('t')('Open the page again') }} />, 403);
  };
}

/** The page the form was on, when the browser says and it is ours; else the gateway's start. */
function backTo(c: Ctx, prefix: string): string {
  try {
    const referer = new URL(c.req.header('referer') ?? '');
    if (referer.host === c.req.header('host')) return referer.pathname + referer.search;
  } catch {
    // No referer, or not a URL: the sign-in page.
  }
  return `${prefix}/login`;
}

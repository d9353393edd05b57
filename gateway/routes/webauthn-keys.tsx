import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import { MessagePage } from '../../views/pages/message.js';
import { writeAudit } from '../audit/write.js';
import { cleanKeyName, isKeyId, removeWebauthnKey, renameWebauthnKey } from '../factors/webauthn.js';
import type { AppEnv } from '../http/env.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';

/**
 * The account page's forms for security keys: rename and remove. A key is found by its id and the
 * session's user together, so another user's key id is not found (404).
 */
export function webauthnKeyRoutes(deps: RouteDeps) {
  const { config, db, clock } = deps;
  const prefix = config.server.prefix;
  const account = `${prefix}/account`;
  const app = new Hono<AppEnv>();
  const { requireSecondFactor } = createGuards(deps);
  const back = () => account;
  // Whoever holds just the password must not tamper with the keys; a recovery session may only
  // enrol (SECURITY R3). Removing one needs a second factor at most 10 minutes old: removing the
  // last factor would open first enrolment, which is replacing the authenticator by another name.
  const mayRename = requireSecondFactor({ back });
  const mayRemove = requireSecondFactor({ fresh: true, back });

  const message = (c: Context<AppEnv>, status: 400 | 403 | 404, title: string, text: string, link = { href: account, label: translatable('Back to your account') }) =>
    c.html(<MessagePage prefix={prefix} title={title} message={text} link={link} />, status);
  const notFound = (c: Context<AppEnv>) => message(c, 404, translatable('Key not found'), translatable('There is no such security key on your account.'));

  app.post('/account/webauthn/:id/rename', mayRename, async (c) => {
    const session = c.var.signedIn;
    const id = c.req.param('id');
    if (!isKeyId(id)) return notFound(c);
    const name = cleanKeyName((await c.req.parseBody()).name);
    if (!name) return message(c, 400, translatable('Name missing'), translatable('Enter a name for the key.'));
    if (!await renameWebauthnKey(db, session.user.id, id, name)) {
      c.get('log').info({ event: 'webauthn.rename_refused', key: id }, 'no such key for this user');
      return notFound(c);
    }
    return c.redirect(account, 303);
  });

  app.post('/account/webauthn/:id/remove', mayRemove, async (c) => {
    const session = c.var.signedIn;
    const id = c.req.param('id');
    if (!isKeyId(id)) return notFound(c);
    const removed = await db.transaction(async (tx) => {
      const key = await removeWebauthnKey(tx, session.user.id, id);
      if (!key) return false;
      await writeAudit(tx, deps.config.session.secret, {
        event: 'webauthn.removed', at: clock.now(), actor: { userId: session.user.id }, userId: session.user.id,
        ip: c.get('clientIp'), requestId: c.get('requestId'), details: { key: id, name: key.name },
      });
      return true;
    });
    if (!removed) {
      c.get('log').info({ event: 'webauthn.remove_refused', key: id }, 'no such key for this user');
      return notFound(c);
    }
    return c.redirect(account, 303);
  });

  return app;
}

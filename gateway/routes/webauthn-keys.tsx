import { Hono, type Context } from 'hono';
import { MessagePage } from '../../views/pages/message.js';
import { writeAudit } from '../audit/write.js';
import { cleanKeyName, isKeyId, removeWebauthnKey, renameWebauthnKey } from '../factors/webauthn.js';
import type { AppEnv } from '../http/env.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';

/**
 * The account page's forms for security keys: rename and remove, both from a level-2 session. A key
 * is found by its id and the session's user together, so another user's key id is not found (404).
 */
export function webauthnKeyRoutes(deps: RouteDeps) {
  const { config, db, clock } = deps;
  const prefix = config.server.prefix;
  const account = `${prefix}/account`;
  const app = new Hono<AppEnv>();

  const message = (c: Context<AppEnv>, status: 400 | 403 | 404, title: string, text: string, link = { href: account, label: 'Back to your account' }) =>
    c.html(<MessagePage prefix={prefix} title={title} message={text} link={link} />, status);
  /**
   * Keys are changed only from a session that passed the second factor: whoever holds just the
   * password must not tamper with them. A recovery session may only enrol (SECURITY R3).
   */
  const levelTwoRefusal = (c: Context<AppEnv>, session: SessionView, action: 'rename' | 'remove') => {
    if (session.restricted) return message(c, 403, 'Not available yet', 'Set up a new second factor first.', { href: `${prefix}/enroll`, label: 'Set one up' });
    if (session.authLevel >= 2) return null;
    c.get('log').info({ event: `webauthn.${action}_refused`, reason: 'step_up_required' }, 'changing a key needs a second factor');
    return message(c, 403, 'Confirm it is you', 'Changing your security keys needs your second factor first.', {
      href: `${prefix}/2fa?rd=${encodeURIComponent(account)}`, label: 'Confirm with your second factor',
    });
  };
  const notFound = (c: Context<AppEnv>) => message(c, 404, 'Key not found', 'There is no such security key on your account.');

  app.post('/account/webauthn/:id/rename', async (c) => {
    const session = c.get('session');
    if (!session) return c.redirect(`${prefix}/login?rd=${encodeURIComponent(account)}`, 303);
    const refused = levelTwoRefusal(c, session, 'rename');
    if (refused) return refused;
    const id = c.req.param('id');
    if (!isKeyId(id)) return notFound(c);
    const name = cleanKeyName((await c.req.parseBody()).name);
    if (!name) return message(c, 400, 'Name missing', 'Enter a name for the key.');
    if (!await renameWebauthnKey(db, session.user.id, id, name)) {
      c.get('log').info({ event: 'webauthn.rename_refused', key: id }, 'no such key for this user');
      return notFound(c);
    }
    return c.redirect(account, 303);
  });

  app.post('/account/webauthn/:id/remove', async (c) => {
    const session = c.get('session');
    if (!session) return c.redirect(`${prefix}/login?rd=${encodeURIComponent(account)}`, 303);
    const refused = levelTwoRefusal(c, session, 'remove');
    if (refused) return refused;
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

import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { rememberUserLanguage } from '../../db/queries/users.js';
import type { AppEnv } from '../http/env.js';
import { LANGUAGE_COOKIE } from '../http/language.js';
import { isLanguage } from '../i18n/languages.js';
import type { RouteDeps } from './deps.js';

const ONE_YEAR_S = 365 * 24 * 3600;

/**
 * The language switcher: `GET P/language?set=de&rd=/path` keeps the choice in a cookie, stores it
 * as the signed-in user's language (their emails follow it), and goes back. A link, so it works
 * without JavaScript and needs no CSRF token: it changes only how pages read.
 */
export function languageRoutes(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const app = new Hono<AppEnv>();
  app.get('/language', async (c) => {
    const language = c.req.query('set');
    if (!isLanguage(language)) return c.text('Unknown language: set is one of en, de, fr, es.', 400);
    setCookie(c, LANGUAGE_COOKIE, language, {
      path: '/', sameSite: 'Lax', httpOnly: true, maxAge: ONE_YEAR_S, secure: deps.config.server.public_url.startsWith('https://'),
    });
    const session = c.get('session');
    if (session) await rememberUserLanguage(deps.db, session.user.id, language);
    return c.redirect(deps.safeRedirect(c.req.query('rd'), c.req.header('host'), `${prefix}/login`), 303);
  });
  return app;
}

import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { isValidElement } from 'hono/jsx';
import { PageLanguageContext, type PageLanguage } from '../../views/i18n.js';
import { translatorFor } from '../i18n/i18n.js';
import { chooseLanguage } from '../i18n/negotiate.js';
import { validTimeZone } from '../i18n/time-zone.js';
import type { AppEnv } from './env.js';

/** The switcher's choice (P/language) and the zone the browser reported (static/local-time.js). */
export const LANGUAGE_COOKIE = 'recourse_lang';
export const TIME_ZONE_COOKIE = 'recourse_tz';

/**
 * Settles the page language once per request (cookie, else Accept-Language, else English) and
 * provides it to every page the request renders: `c.html(<Page/>)` renders inside the language's
 * context, so views call `t()` without threading it through props. Routes read `c.var.t`.
 */
export function pageLanguage(): MiddlewareHandler<AppEnv> {
  return async function pageLanguageMiddleware(c, next) {
    const language = chooseLanguage({ cookie: getCookie(c, LANGUAGE_COOKIE), acceptLanguage: c.req.header('accept-language') });
    const page: PageLanguage = { language, timeZone: validTimeZone(getCookie(c, TIME_ZONE_COOKIE)), t: translatorFor(language), here: pathAndQuery(c.req.url) };
    c.set('language', page.language);
    c.set('t', page.t);
    const html = c.html.bind(c);
    c.html = ((body: unknown, ...rest: unknown[]) =>
      (html as (...args: unknown[]) => unknown)(
        isValidElement(body) ? <PageLanguageContext.Provider value={page}>{body}</PageLanguageContext.Provider> : body,
        ...rest,
      )) as typeof c.html;
    c.header('Content-Language', language);
    c.header('Vary', 'Accept-Language, Cookie', { append: true });
    return next();
  };
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

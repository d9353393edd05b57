import type { Context, MiddlewareHandler } from 'hono';
import { parse as parseCookies } from 'hono/utils/cookie';
import { isValidElement } from 'hono/jsx';
import { PageLanguageContext, type PageLanguage } from '../../views/i18n.js';
import { translatorFor } from '../i18n/i18n.js';
import { languageSwitcherReturn } from '../i18n/switcher-return.js';
import { chooseLanguage } from '../i18n/negotiate.js';
import { validTimeZone } from '../i18n/time-zone.js';
import type { AppEnv } from './env.js';

/** The switcher's choice (P/language) and the zone the browser reported (static/local-time.js). */
export const LANGUAGE_COOKIE = 'recourse_lang';
export const TIME_ZONE_COOKIE = 'recourse_tz';

/**
 * The request's language (cookie, else Accept-Language, else English) and time zone (the
 * browser's, else `server.time_zone`).
 */
export function pageLanguageFor(c: Context, defaultTimeZone: string): PageLanguage {
  return pageLanguageFromHeaders({ cookie: c.req.header('cookie'), acceptLanguage: c.req.header('accept-language'), here: pathAndQuery(c.req.url) }, defaultTimeZone);
}

/** The same from raw headers, for answers written on Node's own response (gateway/proxy/http-answer.ts). */
export function pageLanguageFromHeaders(headers: { cookie?: string | undefined; acceptLanguage?: string | undefined; here: string }, defaultTimeZone: string): PageLanguage {
  const cookies = headers.cookie ? parseCookies(headers.cookie) : {};
  const language = chooseLanguage({ cookie: cookies[LANGUAGE_COOKIE], acceptLanguage: headers.acceptLanguage });
  const reported = cookies[TIME_ZONE_COOKIE];
  return {
    language,
    timeZone: reported ? validTimeZone(reported) : defaultTimeZone,
    t: translatorFor(language),
    here: languageSwitcherReturn(headers.here),
  };
}

/** A page rendered in the given language (views call t() and formatWhen() inside). */
export function inLanguage(page: PageLanguage, body: unknown): unknown {
  return isValidElement(body) ? <PageLanguageContext.Provider value={page}>{body}</PageLanguageContext.Provider> : body;
}

/**
 * Settles the page language once per request and provides it to every page the request renders:
 * `c.html(<Page/>)` renders inside the language's context, so views call `t()` without threading
 * it through props. Routes read `c.var.t` and `c.var.language`.
 */
export function pageLanguage(options: { defaultTimeZone: string }): MiddlewareHandler<AppEnv> {
  return async function pageLanguageMiddleware(c, next) {
    const page = pageLanguageFor(c, options.defaultTimeZone);
    c.set('language', page.language);
    c.set('t', page.t);
    const html = c.html.bind(c);
    c.html = ((body: unknown, ...rest: unknown[]) => (html as (...args: unknown[]) => unknown)(inLanguage(page, body), ...rest)) as typeof c.html;
    c.header('Content-Language', page.language);
    c.header('Vary', 'Accept-Language, Cookie', { append: true });
    return next();
  };
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

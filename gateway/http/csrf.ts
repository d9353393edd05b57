import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf as originCheck } from 'hono/csrf';
import { constantTimeEqual } from '../security/compare.js';
import { deriveKey, hmacSha256 } from '../security/hash.js';
import { randomToken } from '../security/random.js';
import type { AppEnv } from './env.js';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Only the JSON API (P/api/v1) judges a call by its bearer token alone; every other route acts on
// the session cookie riding along, so a made-up `Authorization: Bearer` must not excuse its token.
const BEARER_JUDGED_PATH = /\/api\/v1\//;

export interface CsrfOptions {
  secret: string;
  cookieName: string;
  secure: boolean;
  /** Hosts (host[:port]) whose pages may post to the gateway. */
  trustedHosts: () => readonly string[];
  /**
   * The `403` for a same-site post with a missing or stale token: the form again, or JSON. Given
   * the parsed form (null for a body that is not a form). Without it, a plain-text `403`.
   */
  expired?: (c: Context<AppEnv>, form: Record<string, unknown> | null) => Response | Promise<Response>;
}

/**
 * Two layers (SECURITY S6): the Origin / Sec-Fetch-Site check of `hono/csrf`, and a token bound to
 * a random per-browser cookie (HMAC of it), required in `_csrf` or `X-CSRF-Token` on every
 * state-changing request. The cookie exists before sign-in, so the login form is covered too.
 */
export function createCsrfProtection(options: CsrfOptions): MiddlewareHandler<AppEnv>[] {
  const key = deriveKey(options.secret, 'csrf');
  const tokenFor = (cookie: string) => hmacSha256(key, cookie);

  const origin = originCheck({
    origin: (value, c) => {
      try {
        const host = new URL(value).host.toLowerCase();
        return host === (c.req.header('host') ?? '').toLowerCase() || options.trustedHosts().includes(host);
      } catch {
        return false;
      }
    },
  });

  const token: MiddlewareHandler<AppEnv> = async function csrfToken(c, next) {
    let cookie = getCookie(c, options.cookieName);
    if (!cookie || !/^[A-Za-z0-9_-]{32,64}$/.test(cookie)) {
      cookie = randomToken(32);
      setCookie(c, options.cookieName, cookie, { httpOnly: true, sameSite: 'Lax', path: '/', secure: options.secure });
      // A request without the cookie cannot carry a matching token; it is refused below.
      if (!SAFE_METHODS.has(c.req.method)) c.set('csrfToken', tokenFor(cookie));
    }
    const expected = tokenFor(cookie);
    c.set('csrfToken', expected);
    if (SAFE_METHODS.has(c.req.method) || (BEARER_JUDGED_PATH.test(c.req.path) && c.req.header('authorization')?.startsWith('Bearer '))) return next();
    const form = await formBody(c);
    const field = form?.[CSRF_FIELD];
    const sent = c.req.header(CSRF_HEADER) ?? (typeof field === 'string' ? field : undefined);
    if (!sent || !constantTimeEqual(sent, expected)) {
      c.get('log')?.warn({ event: 'csrf.refused', path: c.req.path }, 'CSRF token missing or wrong');
      if (options.expired) return options.expired(c, form);
      return c.text('This form has expired. Go back, reload the page and try again.', 403);
    }
    return next();
  };
  return [origin, token];
}

/** A form body, parsed once: Hono caches it, so handlers parse it for free. Null for anything else. */
async function formBody(c: Context<AppEnv>): Promise<Record<string, unknown> | null> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) return null;
  try {
    return await c.req.parseBody();
  } catch {
    return null;
  }
}

import { Hono, type Context } from 'hono';
import type { AppEnv } from '../http/env.js';
import { identityProfile } from '../identity/headers.js';
import { appIdentitySchema } from '../config/identity-schema.js';
import { UNAVAILABLE_RETRY_AFTER_S } from '../http/unavailable.js';
import { decideRequest, isPageLoad } from '../proxy/decide.js';
import { readForwardedRequest, type OriginalRequest } from '../proxy/forwarded-request.js';
import type { RequestHost } from '../core/host.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';

/** `403`, not `400`: nginx `auth_request` passes a 401 or 403 on and turns anything else into a 500. */
const UNKNOWN_HOST_MESSAGE = 'No application is configured for this host.';

const CHALLENGES = {
  login: { code: 'unauthenticated', message: 'Sign in required' },
  second_factor: { code: 'second_factor_required', message: 'A second factor is required' },
  reenroll: { code: 'reenrollment_required', message: 'Your account needs attention before you continue' },
} as const;

/**
 * `GET P/verify`: forward-auth for nginx `auth_request`, Traefik `forwardAuth` and Caddy
 * `forward_auth` (docs/forward-auth.md). The same decision as the gateway's own proxy, so a
 * one-factor session never passes a two_factor rule (SECURITY S4). Answers are never cacheable:
 * they depend on the cookie.
 */
export function verifyRoutes(deps: RouteDeps) {
  const { config } = deps;
  const pagesBase = config.server.public_url.replace(/\/+$/, '') + config.server.prefix;
  const defaultProto = new URL(config.server.public_url).protocol === 'https:' ? 'https' : 'http';
  // A host no app claims gets today's Remote-* names and no assertion.
  const unclaimed = identityProfile('', appIdentitySchema.parse({}));
  const app = new Hono<AppEnv>();

  // Hono answers HEAD with the GET handler, minus the body.
  app.get('/verify', async function verifyForwardAuth(c) {
    c.header('Cache-Control', 'no-store');
    const incoming = c.env?.incoming;
    const peer = incoming?.socket.remoteAddress ?? '';
    const read = readForwardedRequest({
      header: (name) => c.req.header(name),
      peerTrusted: deps.isTrustedPeer(peer),
      host: c.req.header('host') ?? '',
      target: incoming?.url ?? new URL(c.req.url).pathname + new URL(c.req.url).search,
      method: c.req.method,
      defaultProto,
    });
    if (!read.ok) {
      c.get('log').warn({ event: 'verify.refused', reason: read.reason, peer }, 'forward-auth request refused');
      return c.text('Bad forward-auth request', 400);
    }
    const original = read.request;
    if (read.source !== 'self' && !deps.appFor(original.host)) {
      // A proxy asks only about its own apps; any other host is a Host header the proxy let a
      // client choose (issue 32, finding 6), and a rule for that host must not answer for it.
      c.get('log').warn({ event: 'verify.unknown_host', host: original.host.authority, peer }, 'forward-auth: the host is not a configured app; refusing');
      return c.text(UNKNOWN_HOST_MESSAGE, 403);
    }
    // nginx can only turn a 401 into a redirect; the others pass a 302 through to the browser.
    const nginx = c.req.query('proxy') === 'nginx' || c.req.header('x-original-url') !== undefined;

    // The proxies pass the browser's own headers on, so Accept and Sec-Fetch-* describe the original request.
    const pageLoad = isPageLoad(original.method, (name) => c.req.header(name));
    const decision = await decideRequest(deps, { session: () => deps.resolveSession(c), log: c.get('log') }, { host: original.host.authority, path: original.path, method: original.method, pageLoad });
    const log = { host: original.host.authority, path: original.path, method: original.method, source: read.source };
    switch (decision.kind) {
      case 'allow':
        if (read.untrustedHeaders) {
          // The verify URL itself may be allowed, but the proxy's real request was never judged:
          // a proxy missing from trust_proxy must fail closed, not wave every path through.
          c.get('log').warn({ event: 'verify.untrusted_proxy', peer }, 'forward-auth headers from a peer not in server.trust_proxy; refusing');
          return c.text('Access denied', 403);
        }
        return c.body(null, 200, await identityFor(original.host, decision.session));
      case 'deny':
        c.get('log').info({ event: 'verify.denied', ...log }, 'forward-auth: access denied by policy');
        return c.text('Access denied', 403);
      case 'unavailable':
        c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
        return c.text('Sign-in is unavailable right now. Try again in a moment.', 503);
      case 'sign_in':
        c.get('log').debug({ event: 'verify.sign_in', ...log }, 'forward-auth: sign-in required');
        return challenge(c, 'login', original, nginx);
      case 'step_up':
        c.get('log').info({ event: 'verify.step_up', to: decision.to, ...log }, decision.to === 'reenroll'
          ? 'forward-auth: a re-enrolment obligation is open'
          : 'forward-auth: a second factor is required');
        return challenge(c, decision.to, original, nginx);
    }
  });

  /** The app's identity headers under its own names (CONTRACT §8.2), its assertion included. */
  async function identityFor(host: RequestHost, session: SessionView | null): Promise<Record<string, string>> {
    const target = deps.appFor(host);
    return { ...await deps.identity.headersFor(target ? deps.identity.profileFor(target.name) : unclaimed, session) };
  }

  /** Where the browser must go next: 401 with a Location hint for nginx, 302 for the others. */
  function challenge(c: Context<AppEnv>, page: 'login' | '2fa' | 'enroll' | 'reenroll', original: OriginalRequest, nginx: boolean) {
    const location = `${pagesBase}/${page}?rd=${encodeURIComponent(original.url)}`;
    c.header('Location', location);
    const { code, message } = CHALLENGES[page === 'login' || page === 'reenroll' ? page : 'second_factor'];
    if (nginx) return c.text(message, 401);
    if ((c.req.header('accept') ?? '').includes('application/json')) return c.json({ error: { code, message } }, 401);
    return c.redirect(location, 302);
  }

  return app;
}

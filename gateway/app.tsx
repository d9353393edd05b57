import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from 'pino';
import { MessagePage } from '../views/pages/message.js';
import type { Storage } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Config } from './config/schema.js';
import type { GeoIp } from './context/geoip.js';
import type { Metrics } from './metrics/registry.js';
import type { Clock } from './core/clock.js';
import { createClientIpResolver } from './http/client-ip.js';
import { csrfCookieName } from './http/cookies.js';
import { refuseUnreadableForms } from './http/form.js';
import { createCsrfProtection } from './http/csrf.js';
import { expiredFormAnswer } from './routes/expired-form.js';
import { passwordForgotRoutes } from './routes/password-forgot.js';
import { accountSecurityRoutes } from './routes/account-security.js';
import { createMetricsAccess } from './http/metrics-access.js';
import type { AppEnv } from './http/env.js';
import { requestContext } from './http/request-context.js';
import { HASH_BUSY_MESSAGE, markHashBusy } from './http/hash-busy.js';
import { pageLanguage } from './http/language.js';
import { translatable } from './i18n/i18n.js';
import { answerUnavailable } from './http/unavailable.js';
import { createRedirectGuard } from './http/safe-redirect.js';
import { readCookie } from './http/session-cookie.js';
import type { AccessDecider } from './proxy/decide.js';
import type { Forwarder } from './proxy/forward.js';
import type { AppRouter } from './proxy/hosts.js';
import type { UpstreamIdentity } from './identity/upstream-identity.js';
import { PasswordHashBusyError } from './security/password.js';
import { healthRoutes } from './routes/health.js';
import { accountRoutes } from './routes/account.js';
import { assistRoutes } from './routes/assist.js';
import { challengeRoutes } from './routes/challenge.js';
import type { RouteDeps } from './routes/deps.js';
import { enrollRoutes } from './routes/enroll.js';
import { loginRoutes } from './routes/login.js';
import { languageRoutes } from './routes/language.js';
import { verifyRoutes } from './routes/verify.js';
import { jwksRoutes } from './routes/jwks.js';
import { webauthnRoutes } from './routes/webauthn.js';
import { backupCodeRoutes } from './routes/backup-codes.js';
import { emailOtpRoutes } from './routes/email-otp.js';
import { passwordRoutes } from './routes/password.js';
import { staticRoutes } from './routes/static.js';
import { adminRoutes } from './routes/admin/index.js';
import { apiRoutes } from './routes/api/v1.js';
import { recoveryCodeRoutes } from './routes/recovery-code.js';
import { reenrollRoutes } from './routes/reenroll.js';
import { policiesPageRoutes } from './routes/policies-page.js';
import type { PolicyStore } from './policy/watch.js';
import type { Limits } from './ratelimit/limits.js';
import type { SessionManager } from './session/manager.js';
import type { SessionView } from './session/store.js';
import type { Directory } from './directory/directory.js';
import { DIRECTORY_UNAVAILABLE_MESSAGE, DirectoryUnavailableError } from './directory/errors.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  clock: Clock;
  logger: Logger;
  sessions: SessionManager;
  forwarder: Forwarder;
  /** Header names and signed assertions per app (CONTRACT §8.2). */
  identity: UpstreamIdentity;
  access: AccessDecider;
  policies: PolicyStore;
  limits: Limits;
  directory: Directory;
  delivery: { poke(): Promise<void> };
  /** Does an assistance request's account work after its answer (gateway/recovery/assistance-worker.ts). */
  assistance: { poke(): Promise<void> };
  geoip: GeoIp;
  metrics?: Metrics;
  /** Serve GET P/metrics here (false when it has a listen address of its own). */
  metricsRoute?: Hono<AppEnv> | null;
  /** The app router over the upstreams as wired (builtin:demo replaced by its real address): one for forward-auth and the proxy. */
  appFor: AppRouter;
}

/**
 * The gateway's own pages and APIs under the prefix, top to bottom: request id and client IP →
 * hardening headers → forward-auth → body limit → session → CSRF → routes. Requests outside the
 * prefix never reach Hono on a socket: the proxy pipeline serves them (request-listener.ts). No I/O here.
 */
export function createApp(deps: AppDeps) {
  const { config, storage, clock } = deps;
  const prefix = config.server.prefix;
  const clientIp = createClientIpResolver(config.server.trust_proxy);
  const appHosts = config.apps.map((a) => a.host);
  const safeRedirect = createRedirectGuard(config.server.public_url, appHosts);
  const appFor = deps.appFor;
  const https = config.server.public_url.startsWith('https://');

  const sessionCookie = config.session.cookie_name;
  const resolveSession = async (c: Context<AppEnv>): Promise<SessionView | null> => {
    const known = c.get('session');
    if (known !== undefined) return known;
    // Node's own header object when served by node:http (it joins repeated Cookie lines with `; `,
    // as the Fetch API does); only the session cookie is looked for, the app's cookies are skipped.
    const header = c.env?.incoming?.headers.cookie ?? c.req.header('cookie');
    const session = await deps.sessions.resolve(readCookie(header, sessionCookie));
    c.set('session', session);
    return session;
  };
  const renderMessage = (c: Context<AppEnv>, status: 404 | 503, title: string, message: string) =>
    c.html(<MessagePage prefix={prefix} title={title} message={message} />, status);
  const notFoundPage = (c: Context<AppEnv>) => renderMessage(c, 404, translatable('Not found'), translatable('There is no page at this address.'));

  const routeDeps: RouteDeps = {
    config, storage, db: storage.db, clock, logger: deps.logger, sessions: deps.sessions, policies: deps.policies,
    limits: deps.limits, directory: deps.directory, delivery: deps.delivery, assistance: deps.assistance, geoip: deps.geoip, safeRedirect, resolveSession, access: deps.access, identity: deps.identity, isTrustedPeer: clientIp.isTrusted, appFor,
  };

  const app = new Hono<AppEnv>();
  app.use('*', requestContext({ logger: deps.logger, clientIp }));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      c.get('log')?.warn({ status: error.status, path: c.req.path }, error.message || 'request refused');
      return c.text(error.status === 403 ? 'Cross-site request refused.' : error.message || 'Bad request', error.status);
    }
    if (error instanceof PasswordHashBusyError) {
      markHashBusy(c, error);
      return c.text(HASH_BUSY_MESSAGE, 503);
    }
    if (error instanceof DirectoryUnavailableError) {
      // Fail closed with a page that says why, never a 500 (the directory is someone else's server).
      c.get('log')?.error({ event: 'directory.unavailable', err: error.message, path: c.req.path }, 'directory unreachable');
      c.header('Retry-After', '30');
      return renderMessage(c, 503, translatable('Directory unavailable'), DIRECTORY_UNAVAILABLE_MESSAGE);
    }
    // Every route that needs the database fails the same way while it is gone: 503, not 500.
    if (isDatabaseUnavailable(error)) {
      c.get('log')?.error({ err: String(error), path: c.req.path }, 'request refused: database unavailable');
      return answerUnavailable(c, prefix);
    }
    c.get('log')?.error({ err: error }, 'request failed');
    return c.text('Something went wrong. Try again in a moment.', 500);
  });

  const gateway = new Hono<AppEnv>();
  gateway.use('*', secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"],
    },
    strictTransportSecurity: https ? 'max-age=31536000; includeSubDomains' : false,
    referrerPolicy: 'same-origin',
    xFrameOptions: 'DENY',
  }));
  gateway.use('*', async function noStore(c, next) {
    await next();
    // Auth pages must never be cached (SECURITY S8); static assets set their own policy.
    if (!c.res.headers.has('cache-control')) c.header('Cache-Control', 'no-store');
  });
  gateway.route('/', healthRoutes({
    checks: [
      { name: 'database', check: () => storage.ping() },
      ...(deps.directory.ldap ? [{ name: 'directory', check: deps.directory.ldap.ping }] : []),
    ],
  }));
  gateway.route('/', staticRoutes());
  if (deps.metricsRoute) {
    const mayReadMetrics = createMetricsAccess(config.server.metrics_allow);
    gateway.use('/metrics', async function metricsForAllowedClients(c, next) {
      const peerTrusted = clientIp.isTrusted(c.env?.incoming?.socket.remoteAddress ?? '');
      if (mayReadMetrics({ clientIp: c.get('clientIp'), peerTrusted, header: (name) => c.req.header(name) })) return next();
      c.get('log').info({ event: 'metrics.refused', clientIp: c.get('clientIp'), peerTrusted }, 'metrics refused to a remote client');
      return notFoundPage(c);
    });
    gateway.route('/', deps.metricsRoute);
  }
  gateway.route('/', verifyRoutes(routeDeps));
  gateway.route('/', jwksRoutes(routeDeps));
  // The page language (cookie, Accept-Language) for every page from here on; forward-auth above,
  // on every app request, renders no page and skips the work.
  gateway.use('*', pageLanguage({ defaultTimeZone: config.server.time_zone }));
  // After forward-auth: bodyLimit reads c.req.raw.body, which builds a full web Request even for a
  // GET (half of P/verify's CPU in the bench); the GET-only routes above take no body anyway.
  gateway.use('*', bodyLimit({ maxSize: config.server.body_limit, onError: (c) => c.text('Request body too large', 413) }));
  gateway.use('*', refuseUnreadableForms());
  gateway.use('*', async function loadSession(c, next) {
    try {
      await resolveSession(c);
    } catch (error) {
      c.get('log').error({ err: String(error) }, 'session store unavailable');
      return answerUnavailable(c, prefix);
    }
    return next();
  });
  for (const middleware of createCsrfProtection({
    secret: config.session.secret,
    cookieName: csrfCookieName(config),
    secure: https,
    trustedHosts: () => [new URL(config.server.public_url).host.toLowerCase(), ...appHosts.filter((h) => h !== '*')],
    expired: expiredFormAnswer(routeDeps),
  })) gateway.use('*', middleware);
  gateway.route('/', loginRoutes(routeDeps));
  gateway.route('/', languageRoutes(routeDeps));
  gateway.route('/', passwordRoutes(routeDeps));
  gateway.route('/', passwordForgotRoutes(routeDeps));
  gateway.route('/', challengeRoutes(routeDeps));
  gateway.route('/', enrollRoutes(routeDeps));
  gateway.route('/', accountRoutes(routeDeps));
  gateway.route('/', accountSecurityRoutes(routeDeps));
  gateway.route('/', webauthnRoutes(routeDeps));
  gateway.route('/', assistRoutes(routeDeps));
  gateway.route('/', backupCodeRoutes(routeDeps));
  gateway.route('/', emailOtpRoutes(routeDeps));
  gateway.route('/', adminRoutes(routeDeps));
  gateway.route('/api/v1', apiRoutes(routeDeps));
  gateway.route('/', recoveryCodeRoutes(routeDeps));
  gateway.route('/', reenrollRoutes(routeDeps));
  gateway.route('/', policiesPageRoutes(routeDeps));
  // Anything under the prefix that no route claimed is the gateway's 404, never proxied upstream.
  gateway.all('*', notFoundPage);
  app.route(prefix, gateway);

  // Hono serves the gateway's own pages and APIs only; every other request is the proxy pipeline's
  // (request-listener.ts), so a request outside the prefix that still reaches Hono (app.request()) is a 404.
  app.notFound(notFoundPage);
  return app;
}

export type App = ReturnType<typeof createApp>;

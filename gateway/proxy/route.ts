import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { stripMapped } from '../http/client-ip.js';
import { csrfCookieName } from '../http/cookies.js';
import type { AppEnv } from '../http/env.js';
import { identityHeaders } from '../http/identity.js';
import type { SessionView } from '../session/store.js';
import type { Metrics } from '../metrics/registry.js';
import type { Forwarder } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import type { AppTarget } from './hosts.js';
import { decideRequest, isPageLoad, type AccessDecider } from './decide.js';

export interface ProxyDeps {
  config: Config;
  forwarder: Forwarder;
  appFor: (host: string | undefined) => AppTarget | undefined;
  access: AccessDecider;
  /** Re-enrolment deadlines are judged against it. */
  clock: Pick<Clock, 'nowMs'>;
  isTrustedPeer: (ip: string) => boolean;
  resolveSession: (c: Context<AppEnv>) => Promise<SessionView | null>;
  metrics?: Metrics;
  renderMessage: (c: Context<AppEnv>, status: 403 | 404 | 502 | 503 | 504, title: string, message: string) => Response | Promise<Response>;
}

/** Every request outside the gateway prefix: session → access decision → upstream. */
export function createProxyHandler(deps: ProxyDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const dropCookies = [config.session.cookie_name, csrfCookieName(config)];
  const publicProto = new URL(config.server.public_url).protocol.replace(':', '');

  return async function proxyRequest(c: Context<AppEnv>): Promise<Response> {
    const host = c.req.header('host');
    const target = deps.appFor(host);
    if (!target) return deps.renderMessage(c, 404, 'Unknown site', 'No application is configured for this address.');
    const incoming = c.env?.incoming;
    const rawUrl = incoming?.url ?? new URL(c.req.url).pathname + new URL(c.req.url).search;
    const peerTrusted = deps.isTrustedPeer(incoming?.socket.remoteAddress ?? '');
    const proto = (peerTrusted && c.req.header('x-forwarded-proto')) || publicProto;
    const originalUrl = `${proto}://${host ?? 'localhost'}${rawUrl}`;

    const decision = await decideRequest(deps, c, {
      host: host ?? '', path: c.req.path, method: c.req.method, pageLoad: isPageLoad(c.req.method, (name) => c.req.header(name)),
    });
    switch (decision.kind) {
      case 'deny':
        return deps.renderMessage(c, 403, 'Access denied', 'You do not have access to this page.');
      case 'unavailable':
        return deps.renderMessage(c, 503, 'Temporarily unavailable', 'Sign-in is unavailable right now. Try again in a moment.');
      case 'sign_in':
        if ((c.req.header('accept') ?? '').includes('application/json')) {
          return c.json({ error: { code: 'unauthenticated', message: 'Sign in required' } }, 401);
        }
        return c.redirect(`${prefix}/login?rd=${encodeURIComponent(originalUrl)}`, 302);
      case 'step_up':
        return c.redirect(`${prefix}/${decision.to}?rd=${encodeURIComponent(originalUrl)}`, 302);
      case 'allow':
        break;
    }

    const headers = upstreamRequestHeaders(incoming?.rawHeaders ?? flatHeaders(c.req.raw.headers), {
      dropCookies,
      // This hop appends the address it saw: the socket peer (with an untrusted peer that is the client).
      clientIp: stripMapped(incoming?.socket.remoteAddress ?? '') || c.get('clientIp'),
      ...(peerTrusted && c.req.header('x-forwarded-for') ? { trustedForwardedFor: c.req.header('x-forwarded-for')! } : {}),
      proto,
      host: host ?? '',
      requestId: c.get('requestId'),
      ...(decision.session ? { identity: identityHeaders(decision.session) } : {}),
    });
    const started = performance.now();
    const outcome = await deps.forwarder.forward({
      origin: target.origin,
      path: target.basePath + rawUrl,
      method: c.req.method,
      headers,
      // Hono answers HEAD by wrapping the handler's Response in a new one, which would lose the
      // already-sent marker; a HEAD answer has no body to stream anyway.
      ...(incoming && c.env?.outgoing && c.req.method !== 'HEAD' ? { incoming, outgoing: c.env.outgoing } : { body: c.req.raw.body }),
    });
    const status = outcome.ok ? (outcome.streamed ? outcome.status : outcome.response.status) : outcome.failure === 'timeout' ? 504 : 502;
    if (deps.metrics) {
      deps.metrics.requests.inc({ app: target.name, status: `${Math.floor(status / 100)}xx` });
      deps.metrics.latency.observe({ app: target.name }, (performance.now() - started) / 1000);
    }
    if (outcome.ok) return outcome.streamed ? RESPONSE_ALREADY_SENT : outcome.response;
    c.get('log').warn({ app: target.name, failure: outcome.failure, error: outcome.error }, 'upstream failed');
    return outcome.failure === 'timeout'
      ? deps.renderMessage(c, 504, 'The application is not responding', 'It took too long to answer. Try again in a moment.')
      : deps.renderMessage(c, 502, 'The application is unavailable', 'It could not be reached. Try again in a moment.');
  };
}

function flatHeaders(headers: Headers): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => out.push(name, value));
  return out;
}

export { getCookie };

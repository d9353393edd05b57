import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { readHost, type RequestHost } from '../core/host.js';
import { stripMapped } from '../http/client-ip.js';
import type { AppEnv } from '../http/env.js';
import { targetPath } from '../policy/request-target.js';
import type { SessionView } from '../session/store.js';
import type { AppTarget } from './hosts.js';
import { decideRequest, isPageLoad, type AccessDecider, type RequestDecision } from './decide.js';
import { DECISION_PAGES, UPSTREAM_FAILURE_PAGES, type MessagePageText, type MessageStatus } from './message-pages.js';
import type { PassThrough } from './pass-through.js';

export interface ProxyDeps {
  config: Config;
  passThrough: PassThrough;
  appFor: (host: RequestHost) => AppTarget | undefined;
  access: AccessDecider;
  /** Re-enrolment deadlines are judged against it. */
  clock: Pick<Clock, 'nowMs'>;
  isTrustedPeer: (ip: string) => boolean;
  resolveSession: (c: Context<AppEnv>) => Promise<SessionView | null>;
  renderMessage: (c: Context<AppEnv>, status: MessageStatus, title: string, message: string) => Response | Promise<Response>;
}

/**
 * The path the access policy is asked about: the request target's path as received, which is what
 * goes to the upstream; the policy reads its spellings itself (policy/request-target.ts). Not
 * `c.req.path`: a URL parser resolves `..` against the segment before it, and when that segment is
 * `..;x` or `.;` a servlet container (which drops `;` parameters first) resolves the same target
 * somewhere else: `/public/..;x/x/../../secret` parses as /public/secret and is /secret to Tomcat.
 * Other forms (`*`, absolute-form) keep the adapter's reading.
 */
export function policyPath(rawUrl: string, parsedPath: string): string {
  return rawUrl.charCodeAt(0) === 47 ? targetPath(rawUrl) : parsedPath;
}

/**
 * Every request outside the gateway prefix: session → access decision → upstream. On a socket the
 * common case, an allowed request with a plain path, never gets here: proxy/lane.ts serves it on
 * Node's own objects and hands everything else to this route.
 */
export function createProxyHandler(deps: ProxyDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const publicProto = new URL(config.server.public_url).protocol.replace(':', '');

  return async function proxyRequest(c: Context<AppEnv>): Promise<Response> {
    // app.request() in tests builds no Host header; on a socket @hono/node-server refuses a missing one.
    const read = readHost(c.req.header('host') ?? new URL(c.req.url).host);
    if (!read.ok) return deps.renderMessage(c, 400, 'Bad request', read.message);
    const host = read.host.authority;
    const target = deps.appFor(read.host);
    if (!target) return deps.renderMessage(c, DECISION_PAGES.unknownSite.status, DECISION_PAGES.unknownSite.title, DECISION_PAGES.unknownSite.message);
    const incoming = c.env?.incoming;
    const rawUrl = incoming?.url ?? new URL(c.req.url).pathname + new URL(c.req.url).search;
    const peer = stripMapped(incoming?.socket.remoteAddress ?? '');
    const peerTrusted = deps.isTrustedPeer(incoming?.socket.remoteAddress ?? '');
    const proto = (peerTrusted && c.req.header('x-forwarded-proto')) || publicProto;
    const originalUrl = `${proto}://${host}${rawUrl}`;

    const decision: RequestDecision = await decideRequest(deps, { session: () => deps.resolveSession(c), log: c.get('log') }, {
      host, path: policyPath(rawUrl, c.req.path), method: c.req.method, pageLoad: isPageLoad(c.req.method, (name) => c.req.header(name)),
    });
    switch (decision.kind) {
      case 'deny':
      case 'unavailable': {
        const page: MessagePageText = DECISION_PAGES[decision.kind];
        if (page.retryAfterS) c.header('Retry-After', String(page.retryAfterS));
        return deps.renderMessage(c, page.status, page.title, page.message);
      }
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

    const trustedForwardedFor = peerTrusted ? c.req.header('x-forwarded-for') : undefined;
    const outcome = await deps.passThrough({
      target, rawUrl, method: c.req.method,
      rawHeaders: incoming?.rawHeaders ?? flatHeaders(c.req.raw.headers),
      peer, clientIp: c.get('clientIp'), proto, host, requestId: c.get('requestId'), session: decision.session,
      ...(trustedForwardedFor ? { trustedForwardedFor } : {}),
      // Hono answers HEAD by wrapping the handler's Response in a new one, which would lose the
      // already-sent marker; a HEAD answer has no body to stream anyway.
      ...(incoming && c.env?.outgoing && c.req.method !== 'HEAD' ? { incoming, outgoing: c.env.outgoing } : { body: c.req.raw.body }),
    }, c.get('log'));
    if (outcome.ok) return outcome.streamed ? RESPONSE_ALREADY_SENT : outcome.response;
    const page = UPSTREAM_FAILURE_PAGES[outcome.failure];
    return deps.renderMessage(c, page.status, page.title, page.message);
  };
}

function flatHeaders(headers: Headers): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => out.push(name, value));
  return out;
}

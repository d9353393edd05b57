import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { RequestHost } from '../core/host.js';
import { stripMapped } from '../http/client-ip.js';
import { readCookie } from '../http/session-cookie.js';
import { targetPath } from '../policy/request-target.js';
import type { SessionManager } from '../session/manager.js';
import { decideForSession, decideRequest, isPageLoad, type AccessDecider, type RequestDecision } from './decide.js';
import type { AppTarget } from './hosts.js';
import type { AllowedRequest } from './pass-through.js';

export interface ProxyPipelineDeps {
  config: Config;
  appFor: (host: RequestHost) => AppTarget | undefined;
  access: AccessDecider;
  clock: Pick<Clock, 'nowMs'>;
  isTrustedPeer: (ip: string) => boolean;
  sessions: Pick<SessionManager, 'resolve' | 'resolveFromMemory'>;
  logger: Logger;
}

/** A request outside the prefix, read once: what every answer (HTTP or WebSocket) is built from. */
export interface JudgedRequest {
  target: AppTarget;
  decision: RequestDecision;
  /** The absolute URL the client asked for, for a sign-in or step-up `rd`. */
  originalUrl: string;
  /** What an allowed request's trip needs, whatever carries it. */
  trip: Omit<AllowedRequest, 'session' | 'incoming' | 'outgoing'>;
  log: Logger;
}

export type Judgement = { kind: 'unknown_site'; log: Logger } | { kind: 'judged'; request: JudgedRequest };

/**
 * The one pipeline for every request outside the gateway's prefix, on Node's own objects: the
 * target (already origin-form, http/origin-form.ts) and the Host (core/host.ts), read once at the
 * edge (request-listener.ts) → the app → the session
 * (from memory when it can, without a promise) → the access decision (proxy/decide.ts). It only
 * judges; the adapters (proxy/http-answer.ts for requests, proxy/websocket.ts for upgrades)
 * turn a judgement into an answer, so a decision is made in exactly one place.
 */
export function createProxyPipeline(deps: ProxyPipelineDeps) {
  const cookieName = deps.config.session.cookie_name;
  const publicProto = new URL(deps.config.server.public_url).protocol.replace(':', '');

  /** A judgement; a promise only when the session had to be read from the store. */
  return function judge(incoming: IncomingMessage, requestHost: RequestHost): Judgement | Promise<Judgement> {
    const { headers } = incoming;
    const requestId = randomUUID();
    const log = deps.logger.child({ requestId });
    const host = requestHost.authority;
    const target = deps.appFor(requestHost);
    if (!target) return { kind: 'unknown_site', log };
    const rawUrl = incoming.url!;
    const method = incoming.method!;
    const remote = incoming.socket.remoteAddress ?? '';
    const peer = stripMapped(remote);
    const peerTrusted = deps.isTrustedPeer(remote);
    const proto = (peerTrusted && (headers['x-forwarded-proto'] as string | undefined)) || publicProto;
    const trustedForwardedFor = peerTrusted ? headers['x-forwarded-for'] as string | undefined : undefined;
    const trip = {
      target, rawUrl, method, rawHeaders: incoming.rawHeaders, peer, clientIp: peer, proto, host, requestId,
      ...(trustedForwardedFor ? { trustedForwardedFor } : {}),
    };
    const question = { host, path: targetPath(rawUrl), method, pageLoad: isPageLoad(method, (name) => headers[name] as string | undefined) };
    const judged = (decision: RequestDecision): Judgement => ({
      kind: 'judged', request: { target, decision, originalUrl: `${proto}://${host}${rawUrl}`, trip, log },
    });
    const cookie = readCookie(headers.cookie, cookieName);
    const known = deps.sessions.resolveFromMemory(cookie);
    if (known !== undefined) return judged(decideForSession(deps, known, question));
    return decideRequest(deps, { session: () => deps.sessions.resolve(cookie), log }, question).then(judged);
  };
}

export type ProxyPipeline = ReturnType<typeof createProxyPipeline>;

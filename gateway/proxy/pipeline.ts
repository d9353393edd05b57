import { newRequestId } from '../core/request-id.js';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { RequestHost } from '../core/host.js';
import { stripMapped } from '../http/client-ip.js';
import { readCookie } from '../http/session-cookie.js';
import { targetPath } from '../policy/request-target.js';
import type { SessionManager } from '../session/manager.js';
import type { SessionView } from '../session/store.js';
import { decideForSession, decideRequest, isPageLoad, type AccessDecider, type RequestDecision } from './decide.js';
import type { AppTarget } from './hosts.js';
import type { Trip } from './pass-through.js';

export interface ProxyPipelineDeps {
  config: Config;
  appFor: (host: RequestHost) => AppTarget | undefined;
  access: AccessDecider;
  clock: Pick<Clock, 'nowMs'>;
  isTrustedPeer: (ip: string) => boolean;
  sessions: Pick<SessionManager, 'resolve' | 'resolveFromMemory'>;
  logger: Logger;
}

type DecisionDeps = Pick<ProxyPipelineDeps, 'access' | 'clock' | 'logger'>;

// Until judged: shared, so a request allocates no placeholder.
const UNDECIDED: RequestDecision = Object.freeze({ kind: 'unavailable' });

/**
 * A request outside the prefix, read once: what every answer (HTTP or WebSocket) is built from,
 * the trip an allowed one makes to its app, and the question the access decision is asked.
 * One object per request, its logger and page-load reading made only when asked for: every
 * proxied request makes one (docs/performance.md, issue 25).
 */
export class JudgedRequest implements Trip {
  readonly kind = 'judged';
  decision: RequestDecision = UNDECIDED;
  readonly requestId = newRequestId();
  /** The path as the policy reads it. */
  readonly path: string;
  #log: Logger | undefined;

  constructor(
    private readonly deps: DecisionDeps,
    private readonly headers: IncomingHttpHeaders,
    readonly target: AppTarget,
    /** The request target as received (path and query, undecoded). */
    readonly rawUrl: string,
    readonly method: string,
    /** Node's `[name, value, name, value…]` list. */
    readonly rawHeaders: readonly string[],
    /** The socket peer, without an IPv4-mapped prefix. */
    readonly peer: string,
    /** X-Forwarded-For as received, only when the peer is a trusted proxy. */
    readonly trustedForwardedFor: string | undefined,
    readonly proto: string,
    /** The Host as read at the edge (core/host.ts), the authority the policy and the app see. */
    readonly host: string,
    /** The session cookie it carried. */
    readonly cookie: string | undefined,
  ) {
    this.path = targetPath(rawUrl);
  }

  /** Where the request logs: a child logger with its request id, made on first use (most never log). */
  get log(): Logger {
    return (this.#log ??= this.deps.logger.child({ requestId: this.requestId }));
  }

  /** A top-level page load (only those may be detoured to re-enrolment), read when a decision asks. */
  get pageLoad(): boolean {
    return isPageLoad(this.method, (name) => this.headers[name] as string | undefined);
  }

  /** The absolute URL the client asked for, for a sign-in or step-up `rd`. */
  get originalUrl(): string {
    return `${this.proto}://${this.host}${this.rawUrl}`;
  }

  /** The same decision for this request's session as it is later (a live WebSocket). */
  decideAgain(session: SessionView | null): RequestDecision {
    return decideForSession(this.deps, session, this);
  }

  judged(decision: RequestDecision): this {
    this.decision = decision;
    return this;
  }
}

export type Judgement = { kind: 'unknown_site'; log: Logger } | JudgedRequest;

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
    const target = deps.appFor(requestHost);
    if (!target) return { kind: 'unknown_site', log: deps.logger.child({ requestId: newRequestId() }) };
    const { headers } = incoming;
    const remote = incoming.socket.remoteAddress ?? '';
    const peerTrusted = deps.isTrustedPeer(remote);
    const request = new JudgedRequest(
      deps, headers, target, incoming.url!, incoming.method!, incoming.rawHeaders, stripMapped(remote),
      peerTrusted ? headers['x-forwarded-for'] as string | undefined || undefined : undefined,
      (peerTrusted && (headers['x-forwarded-proto'] as string | undefined)) || publicProto,
      requestHost.authority,
      readCookie(headers.cookie, cookieName),
    );
    const known = deps.sessions.resolveFromMemory(request.cookie);
    if (known !== undefined) return request.judged(decideForSession(deps, known, request));
    const cookie = request.cookie;
    return decideRequest(deps, { session: () => deps.sessions.resolve(cookie), get log() { return request.log; } }, request)
      .then((decision) => request.judged(decision));
  };
}

export type ProxyPipeline = ReturnType<typeof createProxyPipeline>;

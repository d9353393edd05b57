import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { csrfCookieName } from '../http/cookies.js';
import type { IdentityHeaders, UpstreamIdentity } from '../identity/upstream-identity.js';
import type { Metrics } from '../metrics/registry.js';
import type { SessionView } from '../session/store.js';
import type { ForwardOutcome, Forwarder } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import type { AppTarget } from './hosts.js';
import { UPSTREAM_FAILURE_PAGES } from './message-pages.js';

/** A request the access decision allowed, as both the Hono route and the Node lane describe it. */
export interface AllowedRequest {
  target: AppTarget;
  /** The request target as received (path and query, undecoded). */
  rawUrl: string;
  method: string;
  /** Node's `[name, value, name, value…]` list. */
  rawHeaders: readonly string[];
  /** The socket peer, without an IPv4-mapped prefix. */
  peer: string;
  /** The client address from request-context (used when there is no socket, in app.request()). */
  clientIp: string;
  /** X-Forwarded-For as received, only when the peer is a trusted proxy. */
  trustedForwardedFor?: string;
  proto: string;
  host: string;
  requestId: string;
  session: SessionView | null;
  /** The raw Node request and response when serving on a socket: the body streams both ways. */
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
  /** Otherwise (app.request() in tests, HEAD through Hono), a web body. */
  body?: ReadableStream<Uint8Array> | null;
}

/**
 * An allowed request's trip to its app and back: header hygiene (identity set by the gateway,
 * session and CSRF cookies dropped both ways), the streamed hop, metrics, and a log line when the app failed.
 */
export function createPassThrough(deps: { config: Config; forwarder: Forwarder; identity: UpstreamIdentity; metrics?: Metrics }) {
  const dropCookies = [deps.config.session.cookie_name, csrfCookieName(deps.config)];
  const { metrics } = deps;

  return function passThrough(request: AllowedRequest, log: Logger): Promise<PassThroughOutcome> {
    const profile = deps.identity.profileFor(request.target.name);
    const identity = deps.identity.headersFor(profile, request.session);
    if (!(identity instanceof Promise)) return send(request, identity, profile.strip, log);
    return identity.then((headers) => send(request, headers, profile.strip, log), (error: unknown) => {
      // No assertion, no request: the app must never receive an identity it cannot check.
      log.error({ app: request.target.name, err: String(error) }, 'identity assertion could not be signed; refusing the request');
      return { ok: false, failure: 'unavailable', error: String(error) } as const;
    });
  };

  function send(request: AllowedRequest, identity: IdentityHeaders | undefined, stripNames: ReadonlySet<string>, log: Logger): Promise<ForwardOutcome> {
    const headers = upstreamRequestHeaders(request.rawHeaders, {
      dropCookies,
      // This hop appends the address it saw: the socket peer (with an untrusted peer that is the client).
      clientIp: request.peer || request.clientIp,
      trustedForwardedFor: request.trustedForwardedFor,
      proto: request.proto,
      host: request.host,
      requestId: request.requestId,
      identity,
      stripNames,
    });
    const started = performance.now();
    return deps.forwarder.forward({
      origin: request.target.origin,
      path: request.target.basePath + request.rawUrl,
      method: request.method,
      headers,
      dropSetCookies: dropCookies,
      incoming: request.incoming,
      outgoing: request.outgoing,
      body: request.body ?? null,
      settled(outcome) {
        if (metrics) {
          const status = outcome.ok ? (outcome.streamed ? outcome.status : outcome.response.status) : UPSTREAM_FAILURE_PAGES[outcome.failure].status;
          metrics.proxyTraffic.record(request.target.name, status, (performance.now() - started) / 1000);
        }
        if (!outcome.ok) log.warn({ app: request.target.name, failure: outcome.failure, error: outcome.error }, 'upstream failed');
      },
    });
  }
}

/** The hop's outcome, or `unavailable` when the gateway could not sign the app's assertion. */
export type PassThroughOutcome = ForwardOutcome | { ok: false; failure: 'unavailable'; error: string };

export type PassThrough = ReturnType<typeof createPassThrough>;

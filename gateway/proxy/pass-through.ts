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

/** What an allowed request's trip to its app needs, whatever carries it (a request, a WebSocket handshake). */
export interface Trip {
  target: AppTarget;
  /** The request target as received (path and query, undecoded). */
  rawUrl: string;
  method: string;
  /** Node's `[name, value, name, value…]` list. */
  rawHeaders: readonly string[];
  /** The socket peer, without an IPv4-mapped prefix: the address this hop appends to X-Forwarded-For. */
  peer: string;
  /** X-Forwarded-For as received, only when the peer is a trusted proxy. */
  trustedForwardedFor: string | undefined;
  proto: string;
  host: string;
  requestId: string;
  /** Where the request logs, made on first use. */
  readonly log: Logger;
}

/**
 * The headers an allowed request carries to its app, for every kind of trip (a request, a
 * WebSocket handshake): the app's identity profile (renamed headers, a signed assertion) set by the
 * gateway and the client's copies removed, the session and CSRF cookies dropped (`dropCookies`,
 * also kept out of the app's Set-Cookie on the way back).
 */
export function createTripHeaders(deps: { config: Config; identity: UpstreamIdentity }) {
  const dropCookies: readonly string[] = [deps.config.session.cookie_name, csrfCookieName(deps.config)];

  function build(trip: Trip, identity: IdentityHeaders | undefined, stripNames: ReadonlySet<string>): Record<string, string | string[]> {
    return upstreamRequestHeaders(trip.rawHeaders, {
      dropCookies,
      // This hop appends the address it saw: the socket peer (with an untrusted peer that is the client).
      clientIp: trip.peer,
      trustedForwardedFor: trip.trustedForwardedFor,
      proto: trip.proto,
      host: trip.host,
      requestId: trip.requestId,
      identity,
      stripNames,
    });
  }

  return {
    dropCookies,
    /** The trip's headers; a promise when the app's assertion is signed first (rejected when it cannot be). */
    headersFor(trip: Trip, session: SessionView | null): Record<string, string | string[]> | Promise<Record<string, string | string[]>> {
      const profile = deps.identity.profileFor(trip.target.name);
      const identity = deps.identity.headersFor(profile, session);
      if (!(identity instanceof Promise)) return build(trip, identity, profile.strip);
      return identity.then((headers) => build(trip, headers, profile.strip));
    },
  };
}

/**
 * An allowed request's trip to its app and back: the trip's headers (createTripHeaders), the
 * streamed hop, metrics, and a log line when the app failed.
 */
export function createPassThrough(deps: { config: Config; forwarder: Forwarder; identity: UpstreamIdentity; metrics?: Metrics }) {
  const { dropCookies, headersFor } = createTripHeaders(deps);
  const { metrics } = deps;

  /** The trip for `session`, streamed between the client's request and response. */
  return function passThrough(trip: Trip, session: SessionView | null, incoming: IncomingMessage, outgoing: ServerResponse): Promise<PassThroughOutcome> {
    const headers = headersFor(trip, session);
    if (!(headers instanceof Promise)) return send(trip, headers, incoming, outgoing);
    return headers.then((ready) => send(trip, ready, incoming, outgoing), (error: unknown) => {
      // No assertion, no request: the app must never receive an identity it cannot check.
      trip.log.error({ app: trip.target.name, err: String(error) }, 'identity assertion could not be signed; refusing the request');
      return { ok: false, failure: 'unavailable', error: String(error) } as const;
    });
  };

  function send(trip: Trip, headers: Record<string, string | string[]>, incoming: IncomingMessage, outgoing: ServerResponse): Promise<ForwardOutcome> {
    const started = performance.now();
    return deps.forwarder.forward({
      origin: trip.target.origin,
      path: trip.target.basePath + trip.rawUrl,
      method: trip.method,
      headers,
      dropSetCookies: dropCookies,
      incoming,
      outgoing,
      settled(outcome) {
        if (metrics) {
          const status = outcome.ok ? outcome.status : UPSTREAM_FAILURE_PAGES[outcome.failure].status;
          metrics.proxyTraffic.record(trip.target.name, status, (performance.now() - started) / 1000);
        }
        if (!outcome.ok) trip.log.warn({ app: trip.target.name, failure: outcome.failure, error: outcome.error }, 'upstream failed');
      },
    });
  }
}
/** The hop's outcome, or `unavailable` when the gateway could not sign the app's assertion. */
export type PassThroughOutcome = ForwardOutcome | { ok: false; failure: 'unavailable'; error: string };

export type PassThrough = ReturnType<typeof createPassThrough>;

import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { SessionView } from '../session/store.js';
import { downstreamResponseHeaders, setsCookieOf } from './headers.js';
import type { LiveSockets } from './live-sockets.js';
import type { JudgedRequest, Judgement } from './pipeline.js';
import type { createTripHeaders } from './pass-through.js';
import { writeSocketAnswer } from './socket-answer.js';

export type UpgradeOutcome =
  | 'relayed' | 'refused_by_upstream' | 'unauthenticated' | 'forbidden' | 'disabled' | 'unavailable'
  | 'unknown_site' | 'upstream_unreachable' | 'upstream_timeout';

export interface WebSocketRelayDeps {
  config: Config;
  tripHeaders: ReturnType<typeof createTripHeaders>;
  liveSockets: LiveSockets;
  counted?(app: string, outcome: UpgradeOutcome): void;
}

/**
 * The WebSocket adapter of the proxy pipeline (RFC 6455 over an HTTP/1.1 Upgrade). The handshake
 * was judged like any request; here it is refused (401 for no or too weak a session, 403 denied or
 * `apps[].websockets: false`) with nothing sent upstream, or relayed: the trip's headers (identity
 * set, the client's copies removed) plus the upgrade, with Origin and Sec-WebSocket-* untouched.
 * The upstream's 101 (its subprotocol and extensions) or its refusal comes back as it answered;
 * then frames are piped raw both ways, with back-pressure, and the socket is judged again while it
 * lives (proxy/live-sockets.ts).
 */
export function createWebSocketRelay(deps: WebSocketRelayDeps) {
  const { dropCookies, headersFor } = deps.tripHeaders;
  const connectTimeoutMs = deps.config.proxy.connect_timeout;
  const answerTimeoutMs = deps.config.proxy.timeout;

  function refuse(socket: Duplex, app: string, outcome: UpgradeOutcome, status: number, message: string): void {
    deps.counted?.(app, outcome);
    writeSocketAnswer(socket, status, { 'content-type': 'text/plain; charset=UTF-8' }, message);
  }

  return function relayUpgrade(judgement: Judgement, incoming: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (judgement.kind === 'unknown_site') return refuse(socket, '', 'unknown_site', 404, 'No application is configured for this address.');
    const request = judgement;
    const app = request.target.name;
    const { decision } = request;
    switch (decision.kind) {
      case 'sign_in':
      case 'step_up':
        return refuse(socket, app, 'unauthenticated', 401, 'Sign in required.');
      case 'deny':
        return refuse(socket, app, 'forbidden', 403, 'You do not have access to this page.');
      case 'unavailable':
        return refuse(socket, app, 'unavailable', 503, 'Sign-in is unavailable right now. Try again in a moment.');
      case 'allow':
        if (!request.target.websockets) return refuse(socket, app, 'disabled', 403, 'WebSockets are turned off for this application.');
        return relay(request, decision.session, incoming, socket, head);
    }
  };

  function relay(request: JudgedRequest, session: SessionView | null, incoming: IncomingMessage, socket: Duplex, head: Buffer): void {
    const headers = headersFor(request, session);
    if (!(headers instanceof Promise)) return connect(request, headers, incoming, socket, head);
    headers.then((ready) => connect(request, ready, incoming, socket, head), (error: unknown) => {
      // No assertion, no request: the app must never receive an identity it cannot check.
      request.log.error({ app: request.target.name, err: String(error) }, 'identity assertion could not be signed; refusing the WebSocket');
      refuse(socket, request.target.name, 'unavailable', 503, 'The application is unavailable right now. Try again in a moment.');
    });
  }

  function connect(request: JudgedRequest, headers: Record<string, string | string[]>, incoming: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { target } = request;
    // Hop-by-hop headers were dropped from the trip's; the upgrade is this hop's own request.
    headers.connection = 'Upgrade';
    headers.upgrade = 'websocket';
    const origin = new URL(target.origin);
    const upstream = (origin.protocol === 'https:' ? https : http).request({
      protocol: origin.protocol, hostname: origin.hostname, port: origin.port, method: incoming.method,
      path: target.basePath + request.rawUrl, headers, agent: false, timeout: connectTimeoutMs,
    });
    let settled = false;
    /** The handshake's outcome, counted once; undefined when the client left before any. */
    const settle = (outcome: UpgradeOutcome | undefined) => {
      settled = true;
      clearTimeout(answerTimer);
      if (outcome) deps.counted?.(target.name, outcome);
    };
    const answerTimer = setTimeout(() => {
      if (settled) return;
      settle('upstream_timeout');
      upstream.destroy();
      writeSocketAnswer(socket, 504, { 'content-type': 'text/plain; charset=UTF-8' }, 'The application is not responding.');
    }, answerTimeoutMs);
    const clientGone = () => {
      if (!settled) settle(undefined);
      upstream.destroy();
    };
    socket.once('close', clientGone);

    upstream.on('upgrade', (answer: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
      socket.off('close', clientGone);
      if (settled || socket.destroyed) return void upstreamSocket.destroy();
      settle('relayed');
      writeSocketAnswer(socket, answer.statusCode ?? 101, switchingHeaders(answer.rawHeaders, dropCookies));
      pipeBothWays(socket, upstreamSocket, head, upstreamHead);
      const untrack = deps.liveSockets.track({
        app: target.name,
        cookie: request.cookie,
        decide: (session) => request.decideAgain(session),
        close(reason) {
          request.log.info({ event: 'websocket.closed', app: target.name, reason }, 'live WebSocket closed: its session no longer allows it');
          socket.destroy();
          upstreamSocket.destroy();
        },
      });
      socket.once('close', untrack);
      upstreamSocket.once('close', untrack);
    });
    upstream.on('response', (answer: IncomingMessage) => {
      // The app refused the upgrade: its answer is relayed as it gave it, then the connection ends.
      socket.off('close', clientGone);
      if (settled) return void answer.destroy();
      settle('refused_by_upstream');
      const answerHeaders = downstreamResponseHeaders(answer.headers, dropCookies);
      writeSocketAnswer(socket, answer.statusCode ?? 502, answerHeaders, undefined);
      answer.pipe(socket);
    });
    upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      const timedOut = error.code === 'ETIMEDOUT';
      settle(timedOut ? 'upstream_timeout' : 'upstream_unreachable');
      request.log.warn({ app: target.name, err: String(error) }, 'WebSocket upstream failed');
      writeSocketAnswer(socket, timedOut ? 504 : 502, { 'content-type': 'text/plain; charset=UTF-8' }, timedOut ? 'The application is not responding.' : 'The application could not be reached.');
    });
    upstream.end();
  }
}

/** The upstream's 101 headers as it sent them (Upgrade, Connection, Sec-WebSocket-*), minus the gateway's cookies. */
function switchingHeaders(rawHeaders: readonly string[], dropCookies: readonly string[]): Array<[string, string]> {
  const kept: Array<[string, string]> = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    if (name.toLowerCase() === 'set-cookie' && setsCookieOf(value, dropCookies)) continue;
    kept.push([name, value]);
  }
  return kept;
}

/**
 * Frames go both ways untouched. `pipe` pauses the reading side while the writing side's buffer is
 * full, so a slow reader never makes the gateway buffer without bound; either side closing ends both.
 */
function pipeBothWays(client: Duplex, upstream: Duplex, clientHead: Buffer, upstreamHead: Buffer): void {
  for (const side of [client, upstream]) {
    (side as Duplex & { setNoDelay?(noDelay: boolean): void }).setNoDelay?.(true);
    (side as Duplex & { setTimeout?(ms: number): void }).setTimeout?.(0);
  }
  if (upstreamHead.length > 0) client.write(upstreamHead);
  if (clientHead.length > 0) upstream.write(clientHead);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
  client.pipe(upstream);
  upstream.pipe(client);
}

import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AppDeps } from './app.js';
import { readHost, type RequestHost } from './core/host.js';
import { createClientIpResolver } from './http/client-ip.js';
import { lingerAfterAnswer } from './http/linger.js';
import { originFormTarget } from './http/origin-form.js';
import { pathReadings, targetPath } from './policy/request-target.js';
import { createHttpAnswer } from './proxy/http-answer.js';
import { createLiveSockets } from './proxy/live-sockets.js';
import { createPassThrough, createTripHeaders } from './proxy/pass-through.js';
import { createProxyPipeline, type ProxyPipeline } from './proxy/pipeline.js';
import { writeSocketAnswer } from './proxy/socket-answer.js';
import { createWebSocketRelay } from './proxy/websocket.js';

type NodeListener = (incoming: IncomingMessage, outgoing: ServerResponse) => unknown;

/** Where a request goes, read from its target and Host once at the edge. */
export type Route =
  | { kind: 'refuse'; reason: string }
  | { kind: 'gateway'; target: string }
  | { kind: 'proxy'; target: string; host: RequestHost };

// A path whose spelling an upstream or Hono might resolve differently from how it reads.
const NEEDS_READINGS = /%|\\|;|\/\.\.?(?:\/|$)/;

/**
 * The edge: one reading of the request target and Host (core/host.ts) for every request.
 * Absolute-form naming another authority and, for the proxy, a Host that could be
 * read two ways (repeated Hosts among them) are refused (RFC 9112 §3.2: 400); the gateway's prefix, in
 * any spelling that resolves into it, goes to Hono; everything else to the proxy pipeline. The
 * target to serve is always origin-form.
 */
export function routeRequest(incoming: Pick<IncomingMessage, 'url' | 'headers' | 'rawHeaders'>, prefix: string): Route {
  // Node keeps the first of repeated Host headers; read them all, joined, so core/host.ts refuses them.
  const raw = incoming.rawHeaders;
  let hostHeader: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hostHeader = hostHeader === undefined ? raw[i + 1]! : `${hostHeader}, ${raw[i + 1]!}`;
  }
  const host = readHost(hostHeader);
  const target = originFormTarget(incoming.url ?? '', host.ok ? host.host : undefined);
  if (!target.ok) return { kind: 'refuse', reason: 'The request target names another host than the Host header.' };
  const path = targetPath(target.target);
  const under = (reading: string) => reading === prefix || reading.startsWith(`${prefix}/`);
  if (under(path) || (NEEDS_READINGS.test(path) && pathReadings(path).some((reading) => !reading.anyCase && under(reading.path)))) return { kind: 'gateway', target: target.target };
  if (!host.ok) return { kind: 'refuse', reason: host.message };
  return { kind: 'proxy', target: target.target, host: host.host };
}

/**
 * The Node listeners: Hono (`honoListener`) serves only the gateway's own pages and APIs; every
 * other request is judged by the proxy pipeline and answered by its HTTP adapter, every WebSocket
 * handshake (the server's 'upgrade' event) by the same pipeline and its WebSocket adapter.
 */
export function createListeners(deps: AppDeps, honoListener: NodeListener, options: { liveSocketRecheckMs?: number } = {}) {
  const { config, metrics } = deps;
  const judge: ProxyPipeline = createProxyPipeline({
    config,
    appFor: deps.appFor,
    access: deps.access,
    clock: deps.clock,
    isTrustedPeer: createClientIpResolver(config.server.trust_proxy).isTrusted,
    sessions: deps.sessions,
    logger: deps.logger,
  });
  const answer = createHttpAnswer({
    config, passThrough: createPassThrough({ config, forwarder: deps.forwarder, identity: deps.identity, ...(metrics ? { metrics } : {}) }), failed: fail,
  });
  const liveSockets = createLiveSockets({
    sessions: deps.sessions, logger: deps.logger,
    ...(options.liveSocketRecheckMs === undefined ? {} : { recheckMs: options.liveSocketRecheckMs }),
    ...(metrics ? { opened: (app: string) => metrics.websocketsOpen.inc({ app }), closed: (app: string) => metrics.websocketsOpen.dec({ app }) } : {}),
  });
  const relayUpgrade = createWebSocketRelay({
    config, tripHeaders: createTripHeaders({ config, identity: deps.identity }), liveSockets,
    ...(metrics ? { counted: (app: string, outcome: string) => metrics.websocketUpgrades.inc({ app, outcome }) } : {}),
  });

  function fail(outgoing: ServerResponse, error: unknown): void {
    deps.logger.error({ err: error }, 'request failed');
    if (outgoing.headersSent) outgoing.destroy();
    else outgoing.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8' }).end('Something went wrong. Try again in a moment.');
  }

  function proxy(incoming: IncomingMessage, outgoing: ServerResponse, host: RequestHost): void {
    try {
      const judgement = judge(incoming, host);
      if (!(judgement instanceof Promise)) return answer(judgement, incoming, outgoing);
      judgement.then((j) => answer(j, incoming, outgoing)).catch((error: unknown) => fail(outgoing, error));
    } catch (error) {
      fail(outgoing, error);
    }
  }

  function refuse(outgoing: ServerResponse, reason: string): void {
    deps.logger.info({ event: 'request.refused', reason }, 'bad request target or Host');
    outgoing.writeHead(400, { 'content-type': 'text/plain; charset=UTF-8', connection: 'close' }).end(reason);
  }

  function request(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const route = routeRequest(incoming, config.server.prefix);
    // Hono may answer a request with a body before reading it: the rest is read after the answer.
    if (route.kind !== 'proxy') lingerAfterAnswer(incoming, outgoing);
    if (route.kind === 'refuse') return refuse(outgoing, route.reason);
    incoming.url = route.target;
    if (route.kind === 'proxy') return proxy(incoming, outgoing, route.host);
    honoListener(incoming, outgoing);
  }

  function upgrade(incoming: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if ((incoming.headers.upgrade ?? '').toLowerCase() !== 'websocket') return serveAsRequest(incoming, socket);
    const route = routeRequest(incoming, config.server.prefix);
    if (route.kind === 'refuse') return writeSocketAnswer(socket, 400, { 'content-type': 'text/plain; charset=UTF-8' }, route.reason);
    // The gateway's own pages take no WebSockets.
    if (route.kind === 'gateway') return writeSocketAnswer(socket, 404, { 'content-type': 'text/plain; charset=UTF-8' }, 'Not found.');
    incoming.url = route.target;
    try {
      const judgement = judge(incoming, route.host);
      if (!(judgement instanceof Promise)) return relayUpgrade(judgement, incoming, socket, head);
      judgement.then((j) => relayUpgrade(j, incoming, socket, head)).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'WebSocket handshake failed');
        writeSocketAnswer(socket, 500, { 'content-type': 'text/plain; charset=UTF-8' }, 'Something went wrong.');
      });
    } catch (error) {
      deps.logger.error({ err: error }, 'WebSocket handshake failed');
      writeSocketAnswer(socket, 500, { 'content-type': 'text/plain; charset=UTF-8' }, 'Something went wrong.');
    }
  }

  /**
   * Another upgrade (`h2c`, say) is declined (RFC 9110 §7.8: a server may ignore Upgrade) and the
   * request served as it would be without it. Node hands such a request to 'upgrade' with a bare
   * socket; a response is attached to it by hand. Only a request without a body: its body would
   * never be read from a socket Node has let go of.
   */
  function serveAsRequest(incoming: IncomingMessage, socket: Duplex): void {
    if (incoming.headers['content-length'] || incoming.headers['transfer-encoding']) {
      return writeSocketAnswer(socket, 400, { 'content-type': 'text/plain; charset=UTF-8' }, 'This upgrade is not supported.');
    }
    const outgoing = new ServerResponse(incoming);
    outgoing.shouldKeepAlive = false;
    outgoing.assignSocket(socket as Socket);
    outgoing.once('finish', () => {
      outgoing.detachSocket(socket as Socket);
      socket.end();
    });
    request(incoming, outgoing);
  }

  return { request, upgrade, closeLiveSockets: () => liveSockets.closeAll() };
}

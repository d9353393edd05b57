import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from './app.js';
import { readHost, type RequestHost } from './core/host.js';
import { createClientIpResolver } from './http/client-ip.js';
import { lingerAfterAnswer } from './http/linger.js';
import { originFormTarget } from './http/origin-form.js';
import { pathReadings, targetPath } from './policy/request-target.js';
import { createAppRouter } from './proxy/hosts.js';
import { createHttpAnswer } from './proxy/http-answer.js';
import { createPassThrough } from './proxy/pass-through.js';
import { createProxyPipeline, type ProxyPipeline } from './proxy/pipeline.js';

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
 * The Node request listener: Hono (`honoListener`) serves only the gateway's own pages and APIs;
 * every other request is judged by the proxy pipeline and answered by its HTTP adapter.
 */
export function createRequestListener(deps: AppDeps, honoListener: NodeListener) {
  const { config } = deps;
  const judge: ProxyPipeline = createProxyPipeline({
    config,
    appFor: createAppRouter(deps.upstreams ?? config.apps),
    access: deps.access,
    clock: deps.clock,
    isTrustedPeer: createClientIpResolver(config.server.trust_proxy).isTrusted,
    sessions: deps.sessions,
    logger: deps.logger,
  });
  const answer = createHttpAnswer({
    config, passThrough: createPassThrough({ config, forwarder: deps.forwarder, identity: deps.identity, ...(deps.metrics ? { metrics: deps.metrics } : {}) }),
  });

  function fail(outgoing: ServerResponse, error: unknown): void {
    deps.logger.error({ err: error }, 'request failed');
    if (outgoing.headersSent) outgoing.destroy();
    else outgoing.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8' }).end('Something went wrong. Try again in a moment.');
  }

  function proxy(incoming: IncomingMessage, outgoing: ServerResponse, host: RequestHost): void {
    try {
      const judgement = judge(incoming, host);
      const answered = judgement instanceof Promise ? judgement.then((j) => answer(j, incoming, outgoing)) : answer(judgement, incoming, outgoing);
      if (answered) answered.catch((error: unknown) => fail(outgoing, error));
    } catch (error) {
      fail(outgoing, error);
    }
  }

  return function gatewayRequestListener(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const route = routeRequest(incoming, config.server.prefix);
    // Hono may answer a request with a body before reading it: the rest is read after the answer.
    if (route.kind !== 'proxy') lingerAfterAnswer(incoming, outgoing);
    if (route.kind === 'refuse') return refuse(outgoing, route.reason);
    incoming.url = route.target;
    if (route.kind === 'proxy') return proxy(incoming, outgoing, route.host);
    honoListener(incoming, outgoing);
  };

  function refuse(outgoing: ServerResponse, reason: string): void {
    deps.logger.info({ event: 'request.refused', reason }, 'bad request target or Host');
    outgoing.writeHead(400, { 'content-type': 'text/plain; charset=UTF-8', connection: 'close' }).end(reason);
  }
}

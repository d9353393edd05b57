/**
 * The request a reverse proxy asks forward-auth about. nginx `auth_request` names it in
 * `X-Original-URL` (and `X-Original-Method`); Traefik `forwardAuth` and Caddy `forward_auth` in
 * `X-Forwarded-Method`, `-Proto`, `-Host` and `-Uri`. Those headers are believed only from a trusted
 * proxy (`server.trust_proxy`); from anyone else the verify request is judged as itself, on its own
 * Host, so a client can never ask about another host's or path's policy.
 */

import { readHost, type RequestHost } from '../core/host.js';

export type Proto = 'http' | 'https';

export interface OriginalRequest {
  proto: Proto;
  /** The host the browser sent, read as routing and the policy read it (core/host.ts). */
  host: RequestHost;
  /** Path and query, raw (the policy engine reads every spelling of the path itself). */
  uri: string;
  path: string;
  method: string;
  /** The absolute URL, for `rd`. */
  url: string;
}

export type OriginalSource = 'x-original-url' | 'x-forwarded' | 'self';

export type ForwardedRequestOutcome =
  | {
    ok: true;
    request: OriginalRequest;
    source: OriginalSource;
    /** An untrusted peer sent forward-auth headers: a proxy missing from `server.trust_proxy`, or a probe. */
    untrustedHeaders: boolean;
  }
  | { ok: false; reason: 'ambiguous' | 'bad_url' | 'bad_host' | 'bad_uri' | 'bad_method' | 'bad_proto' };

export interface ForwardedRequestInput {
  header: (name: string) => string | undefined;
  peerTrusted: boolean;
  /** The verify request itself: its Host header, raw request target and method. */
  host: string;
  target: string;
  method: string;
  /** Scheme assumed when no trusted proxy says otherwise (the public URL's). */
  defaultProto: Proto;
}

const MAX_URI = 8192;
// Visible ASCII only: a space would mean two values joined by a proxy, a control character an attack.
const URI = /^\/[\x21-\x7e]*$/;
const METHOD = /^[A-Za-z]{1,16}$/;
const FORWARD_AUTH_HEADERS = ['x-original-url', 'x-original-method', 'x-forwarded-uri', 'x-forwarded-method'];

/** Reads the original request from forward-auth headers; refuses anything malformed or contradictory. */
export function readForwardedRequest(input: ForwardedRequestInput): ForwardedRequestOutcome {
  const self = (untrustedHeaders: boolean): ForwardedRequestOutcome =>
    build(input.defaultProto, input.host, input.target, input.method, 'self', untrustedHeaders);
  if (!input.peerTrusted) return self(FORWARD_AUTH_HEADERS.some((name) => input.header(name) !== undefined));
  const originalUrl = input.header('x-original-url');
  const forwardedUri = input.header('x-forwarded-uri');
  // Each proxy passes the client's other headers along; a request carrying both kinds is forged.
  if (originalUrl !== undefined && forwardedUri !== undefined) return { ok: false, reason: 'ambiguous' };

  if (originalUrl !== undefined) {
    const parts = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(originalUrl.trim());
    if (!parts) return { ok: false, reason: 'bad_url' };
    const rest = parts[3]!;
    const uri = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
    return build(parts[1]!.toLowerCase() as Proto, parts[2]!, uri, input.header('x-original-method') ?? input.method, 'x-original-url', false);
  }
  if (forwardedUri !== undefined) {
    const proto = (input.header('x-forwarded-proto') ?? input.defaultProto).trim().toLowerCase();
    if (proto !== 'http' && proto !== 'https') return { ok: false, reason: 'bad_proto' };
    const host = input.header('x-forwarded-host') ?? input.host;
    return build(proto, host, forwardedUri, input.header('x-forwarded-method') ?? input.method, 'x-forwarded', false);
  }
  return self(false);
}

function build(proto: Proto, rawHost: string, rawUri: string, rawMethod: string, source: OriginalSource, untrustedHeaders: boolean): ForwardedRequestOutcome {
  const read = readHost(rawHost.trim());
  if (!read.ok) return { ok: false, reason: 'bad_host' };
  const { host } = read;
  const hash = rawUri.indexOf('#');
  const uri = hash === -1 ? rawUri : rawUri.slice(0, hash);
  if (!URI.test(uri) || uri.length > MAX_URI) return { ok: false, reason: 'bad_uri' };
  const method = rawMethod.trim();
  if (!METHOD.test(method)) return { ok: false, reason: 'bad_method' };
  const query = uri.indexOf('?');
  return {
    ok: true,
    source,
    untrustedHeaders,
    request: {
      proto,
      host,
      uri,
      path: query === -1 ? uri : uri.slice(0, query),
      method: method.toUpperCase(),
      url: `${proto}://${host.authority}${uri}`,
    },
  };
}

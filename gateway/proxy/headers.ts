/**
 * Header hygiene for the proxy hop. Hop-by-hop headers (RFC 9110 §7.6.1) are connection-scoped
 * and never forwarded; identity headers are the gateway's to set, never the client's (SECURITY S5).
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings',
]);
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-user', 'forwarded', 'x-real-ip']);

export interface UpstreamHeaderOptions {
  /** Cookie names the upstream must not see (the session and CSRF cookies). */
  dropCookies: readonly string[];
  /** The address this hop appends to X-Forwarded-For: the socket peer it received the request from. */
  clientIp: string;
  /** The X-Forwarded-For chain as received, when the peer is a trusted proxy. */
  trustedForwardedFor?: string | undefined;
  proto: string;
  host: string;
  identity?: Readonly<Record<string, string>> | undefined;
  /** The app's own identity header names (`_` read as `-`), dropped from the client's request like `Remote-*`. */
  stripNames?: ReadonlySet<string> | undefined;
  requestId: string;
}

/** Builds the upstream request's headers from Node's raw `[name, value, name, value…]` list. */
export function upstreamRequestHeaders(rawHeaders: readonly string[], options: UpstreamHeaderOptions): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  // Each name is lower-cased once; the Connection header's own list is only read when it is sent.
  const names: string[] = new Array(rawHeaders.length >> 1);
  let connectionTokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    names[i >> 1] = name;
    if (name === 'connection') {
      connectionTokens ??= new Set();
      for (const token of rawHeaders[i + 1]!.split(',')) connectionTokens.add(token.trim().toLowerCase());
    }
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = names[i >> 1]!;
    const value = rawHeaders[i + 1]!;
    if (HOP_BY_HOP.has(name) || connectionTokens?.has(name) || isIdentityOrForwarding(name, options.stripNames)) continue;
    if (name === 'cookie') {
      const kept = stripCookies(value, options.dropCookies);
      if (kept) append(out, name, kept);
      continue;
    }
    append(out, name, value);
  }
  if (Array.isArray(out.cookie)) out.cookie = out.cookie.join('; ');
  out['x-forwarded-for'] = options.trustedForwardedFor ? `${options.trustedForwardedFor}, ${options.clientIp}` : options.clientIp;
  out['x-forwarded-proto'] = options.proto;
  out['x-forwarded-host'] = options.host;
  out['x-request-id'] = options.requestId;
  if (options.identity) for (const name in options.identity) out[name] = options.identity[name]!;
  return out;
}

/**
 * CGI-style upstreams (PHP, Rack, WSGI) read `Remote_User` and `Remote-User` as the same
 * HTTP_REMOTE_USER, so an underscore spelling is the client claiming an identity all the same.
 */
function isIdentityOrForwarding(name: string, stripNames: ReadonlySet<string> | undefined): boolean {
  const variable = name.includes('_') ? name.replaceAll('_', '-') : name;
  return FORWARDED.has(variable) || variable.startsWith('remote-') || stripNames?.has(variable) === true;
}

/**
 * Response headers from undici's parsed map, minus hop-by-hop ones; Set-Cookie stays a list, minus
 * any that would set one of `dropCookies`: the gateway's own cookies are never an app's to set
 * (cookie tossing: an app planting a session or CSRF cookie in the browser).
 */
export function downstreamResponseHeaders(headers: Record<string, string | string[] | undefined>, dropCookies: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionListed(headers.connection);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    if (name === 'set-cookie') {
      const kept = (Array.isArray(value) ? value : [value]).filter((line) => !dropCookies.includes(setCookieName(line)));
      if (kept.length > 0) out[name] = kept;
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** The cookie name a Set-Cookie line sets (RFC 6265 §5.2: up to `=`, trimmed). */
function setCookieName(line: string): string {
  const pair = line.split(';', 1)[0]!;
  const equals = pair.indexOf('=');
  return (equals === -1 ? '' : pair.slice(0, equals)).trim();
}

/**
 * The header names a Connection header lists, beyond the hop-by-hop ones dropped anyway; undefined
 * for the usual `keep-alive` or `close`, which name no other header.
 */
function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const list = (Array.isArray(connection) ? connection.join(',') : connection).toLowerCase();
  if (list === 'keep-alive' || list === 'close') return undefined;
  return new Set(list.split(',').map((token) => token.trim()).filter(Boolean));
}

/** The Cookie header without the named cookies (exact names), parts trimmed and empty ones dropped. */
export function stripCookies(header: string, drop: readonly string[]): string {
  let kept = '';
  for (let start = 0; start <= header.length;) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const part = header.slice(start, end).trim();
    start = end + 1;
    if (!part) continue;
    const equals = part.indexOf('=');
    const name = equals > 0 ? part.slice(0, equals).trim() : part;
    if (drop.includes(name)) continue;
    kept = kept ? `${kept}; ${part}` : part;
  }
  return kept;
}

function append(out: Record<string, string | string[]>, name: string, value: string): void {
  const existing = out[name];
  if (existing === undefined) out[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else out[name] = [existing, value];
}

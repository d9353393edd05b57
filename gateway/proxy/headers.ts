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
  trustedForwardedFor?: string;
  proto: string;
  host: string;
  identity?: Record<string, string>;
  requestId: string;
}

/** Builds the upstream request's headers from Node's raw `[name, value, name, value…]` list. */
export function upstreamRequestHeaders(rawHeaders: readonly string[], options: UpstreamHeaderOptions): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionTokens = connectionListed(rawHeaders);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (HOP_BY_HOP.has(name) || connectionTokens.has(name) || FORWARDED.has(name) || name.startsWith('remote-')) continue;
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
  for (const [name, value] of Object.entries(options.identity ?? {})) out[name] = value;
  return out;
}

/** Response headers from undici's parsed map, minus hop-by-hop ones; Set-Cookie stays a list. */
export function downstreamResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connection = headers.connection;
  const listed = new Set(String(Array.isArray(connection) ? connection.join(',') : connection ?? '').toLowerCase().split(',').map((t) => t.trim()).filter(Boolean));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export function stripCookies(header: string, drop: readonly string[]): string {
  return header.split(';').map((part) => part.trim()).filter((part) => {
    if (!part) return false;
    const name = part.slice(0, Math.max(0, part.indexOf('='))) || part;
    return !drop.includes(name.trim());
  }).join('; ');
}

function connectionListed(rawHeaders: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'connection') continue;
    for (const token of rawHeaders[i + 1]!.split(',')) tokens.add(token.trim().toLowerCase());
  }
  return tokens;
}

function append(out: Record<string, string | string[]>, name: string, value: string): void {
  const existing = out[name];
  if (existing === undefined) out[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else out[name] = [existing, value];
}

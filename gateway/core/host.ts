import { isIPv6 } from 'node:net';

/**
 * The one reading of a request's host. Routing (proxy/hosts.ts), the access policy
 * (policy/engine.ts) and forward-auth (routes/verify.ts) all match on it, so no spelling of a host
 * can be routed to one app while being judged as another: `PUBLIC.TEST`, `public.test.` and
 * `public.test:8080` are the host `public.test` everywhere. A Host that could be read two ways is
 * refused instead (RFC 9112 §3.2: a request with an invalid Host gets a 400).
 */

export interface RequestHost {
  /** Lower case, without port or trailing dot: `public.test`, `10.0.0.1`, `[::1]`. */
  name: string;
  /** The port, when the Host names one. */
  port?: number;
  /** `name` or `name:port`: the host in its one canonical spelling. */
  authority: string;
}

export type HostRefusal = 'missing' | 'multiple' | 'userinfo' | 'bad_port' | 'bad_name';

export type HostReading =
  | { ok: true; host: RequestHost }
  | { ok: false; reason: HostRefusal; message: string };

const MESSAGES: Record<HostRefusal, string> = {
  missing: 'The request has no Host header.',
  multiple: 'The Host header names more than one host.',
  userinfo: 'The Host header must not carry a user name or password.',
  bad_port: 'The port in the Host header is not a port number.',
  bad_name: 'The Host header is not a valid host name.',
};

// RFC 1035 §2.3.4: 63 octets a label, 253 characters a name written without its final dot.
const MAX_LABEL = 63;
const MAX_NAME = 253;
// A name of letters, digits, `-` and `_` (container and service names use it) in non-empty
// labels, one optional trailing dot (the fully qualified spelling of the same name), an optional
// port. No percent-encoding, nothing an upstream or a resolver might read differently.
const REG_NAME = /^([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)\.?(?::(\d*))?$/;
const NAME_ONLY = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/;
const UPPER = /[A-Z]/;
// An IPv6 literal without a zone id (`%25eth0` means nothing to another host).
const IPV6_TEXT = /^\[[0-9a-f:.]+\]$/;

function refuse(reason: HostRefusal): HostReading {
  return { ok: false, reason, message: MESSAGES[reason] };
}

/** Reads a Host header (or `X-Forwarded-Host`, or the authority of a URL) into its one spelling. */
export function readHost(raw: string | undefined | null): HostReading {
  if (raw === undefined || raw === null || raw === '') return refuse('missing');
  const text = UPPER.test(raw) ? raw.toLowerCase() : raw;
  // The common case in one pattern: it runs on every proxied request.
  const plain = REG_NAME.exec(text);
  if (plain) return withPort(plain[1]!, plain[2]);
  return readUnusual(text);
}

/** An IPv6 literal, or the precise reason a Host is refused. */
function readUnusual(text: string): HostReading {
  // Joined repeated headers (`a, b`) or a list; a space would let two readers split it differently.
  if (/[,\s]/.test(text)) return refuse('multiple');
  if (text.includes('@')) return refuse('userinfo');
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const name = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    if (end === -1 || !IPV6_TEXT.test(name) || !isIPv6(name.slice(1, -1))) return refuse('bad_name');
    if (rest === '') return withPort(name, undefined);
    return rest.startsWith(':') ? withPort(name, rest.slice(1)) : refuse('bad_name');
  }
  // A good name with a port that is not digits; anything else is a bad name.
  const colon = text.indexOf(':');
  return colon > 0 && NAME_ONLY.test(text.slice(0, colon)) ? refuse('bad_port') : refuse('bad_name');
}

function withPort(name: string, portText: string | undefined): HostReading {
  if (name.length > MAX_LABEL && (name.length > MAX_NAME || name.split('.').some((label) => label.length > MAX_LABEL))) {
    return refuse('bad_name');
  }
  if (portText === undefined) return { ok: true, host: { name, authority: name } };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) return refuse('bad_port');
  return { ok: true, host: { name, port, authority: `${name}:${port}` } };
}

/**
 * A configured host or host glob (`apps[].host`, a policy rule's `hosts`) spelled as `readHost`
 * spells a request's name: lower case, one trailing dot dropped. Otherwise `Secret.Example.` in a
 * deny rule would match no request at all.
 */
export function hostPattern(pattern: string): string {
  const lower = pattern.trim().toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
